// Distinct counting in fixed memory: linear counting over a 512-bit bitmap
// (Whang et al. 1990). Estimate n = -m ln(zeros/m); within a few percent up
// to ~1,000 distinct items, which covers the ENUM thresholds (30..200) with
// room, in 64 bytes per counter. HyperLogLog would cost more registers for
// the same accuracy at these small cardinalities.
#pragma once
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace recontap::state {

struct DistinctCounter {
    static constexpr unsigned kBits = 512;
    uint64_t words[kBits / 64];

    void clear() {
        for (auto& w : words) w = 0;
    }
    // hash: any well-mixed 64-bit hash of the item. True when its bit was
    // not yet set (the estimate can only change then).
    bool add(uint64_t hash) {
        unsigned bit = unsigned(hash >> 55) & (kBits - 1); // top bits: independent of the slot choice
        uint64_t mask = uint64_t(1) << (bit & 63);
        bool fresh = !(words[bit >> 6] & mask);
        words[bit >> 6] |= mask;
        return fresh;
    }
    unsigned set_bits() const {
        unsigned n = 0;
        for (auto w : words) n += unsigned(std::popcount(w));
        return n;
    }
    // Estimated distinct count; saturates when the bitmap is full. A table
    // of the 513 possible answers (built once, read-only): no log per call.
    uint32_t estimate() const {
        static const std::array<uint32_t, kBits + 1> by_set_bits = [] {
            std::array<uint32_t, kBits + 1> t{};
            for (unsigned set = 0; set <= kBits; ++set) t[set] = estimate_from(set);
            return t;
        }();
        return by_set_bits[set_bits()];
    }
    static uint32_t estimate_from(unsigned set_bits) {
        unsigned zeros = kBits - set_bits;
        if (zeros == 0) return kBits * 8; // saturated: far above any threshold
        return uint32_t(std::lround(-double(kBits) * std::log(double(zeros) / kBits)));
    }
};

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

// 64-bit hash of a name, ASCII-caseless so that 0x20 case randomisation does
// not inflate distinct counts: 8 bytes a step (it runs once per distinct name
// for the verdict cache, and for every ENUM and SENS count), then a full
// avalanche, since ENUM's counters take the top bits and SENS the low ones.
inline uint64_t hash_name_caseless(const char* p, unsigned n) {
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    unsigned i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, sizeof w);
        h = (h ^ ascii_lower8(w)) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t rest = 0;
    for (unsigned k = 0; i + k < n; ++k) rest |= uint64_t(uint8_t(p[i + k])) << (8 * k);
    h ^= ascii_lower8(rest);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h | 1; // never 0: 0 marks an empty DomainSlot
}

} // namespace recontap::state
