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
    // Estimated distinct count; saturates when the bitmap is full.
    uint32_t estimate() const { return estimate_for(set_bits()); }
    // The same from a count of set bits the caller kept (ENUM keeps one per
    // slot, so it need not popcount the bitmap per name). A table of the 513
    // possible answers (built once, read-only): no log per call.
    static uint32_t estimate_for(unsigned set_bits) {
        static const std::array<uint32_t, kBits + 1> by_set_bits = [] {
            std::array<uint32_t, kBits + 1> t{};
            for (unsigned set = 0; set <= kBits; ++set) t[set] = estimate_from(set);
            return t;
        }();
        return by_set_bits[set_bits];
    }
    static uint32_t estimate_from(unsigned set_bits) {
        unsigned zeros = kBits - set_bits;
        if (zeros == 0) return kBits * 8; // saturated: far above any threshold
        return uint32_t(std::lround(-double(kBits) * std::log(double(zeros) / kBits)));
    }
};

} // namespace recontap::state
