// Hashes of DNS names, 8 bytes a step. Two flavours: exact (the verdict
// cache's tag, run for every message) and ASCII-caseless (distinct-name
// counting, so that 0x20 case randomisation does not inflate counts).
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

namespace recontap::state {

// The 8 bytes of w with ASCII 'A'..'Z' turned to 'a'..'z', all at once
// (SWAR): per byte, its low 7 bits + 0x3f carry into bit 7 from 'A' up, + 0x25
// from past 'Z'; neither sum can carry into the next byte. Bytes with bit 7
// set are not ASCII and stay as they are.
constexpr uint64_t ascii_lower8(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    uint64_t low7 = w & ~kHigh;
    uint64_t from_a = low7 + kOnes * (0x80 - 'A');
    uint64_t past_z = low7 + kOnes * (0x80 - 'Z' - 1);
    uint64_t upper = from_a & ~past_z & ~w & kHigh;
    return w | (upper >> 2); // 0x80 >> 2 = 0x20, the case bit
}

// Walks s 8 bytes at a time, handing each word to step(); the last, short
// word holds the remaining bytes zero-extended. A name of 8 bytes or more
// reads its tail as the last 8 bytes shifted (one load instead of a byte loop).
template <class Step>
inline void for_each_word(std::string_view s, Step&& step) {
    const char* p = s.data();
    std::size_t n = s.size(), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, sizeof w);
        step(w);
    }
    std::size_t left = n - i;
    uint64_t rest = 0;
    if (left != 0 && n >= 8) {
        std::memcpy(&rest, p + n - 8, sizeof rest);
        rest >>= 8 * (8 - left); // little-endian: the last `left` bytes
    } else {
        for (std::size_t k = 0; k < left; ++k) rest |= uint64_t(uint8_t(p[i + k])) << (8 * k);
    }
    step(rest);
}

// The verdict cache's tag: exact bytes. The index takes the low bits, so the
// well-mixed high half is folded in.
inline uint64_t hash_name_exact(std::string_view s) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ s.size();
    for_each_word(s, [&](uint64_t w) {
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    });
    return h;
}

// ASCII-caseless, fully avalanched: ENUM's counters take the top bits, SENS
// the low ones. Never 0 (0 marks an empty DomainSlot).
inline uint64_t hash_name_caseless(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull ^ s.size();
    for_each_word(s, [&](uint64_t w) {
        h = (h ^ ascii_lower8(w)) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    });
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h | 1;
}

} // namespace recontap::state
