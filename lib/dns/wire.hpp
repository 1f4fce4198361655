// Big-endian reads from wire buffers. Callers check lengths first.
#pragma once
#include <cstdint>

namespace recontap::dns {

inline uint16_t rd16(const uint8_t* p) { return uint16_t(uint16_t(p[0]) << 8 | p[1]); }
inline uint32_t rd32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

} // namespace recontap::dns
