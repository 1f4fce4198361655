// Per-worker cache of what the engine derives from a query name alone: the
// rule match (Hyperscan), the site's internal-zone / allow-list lookups and
// ENUM's base domain and name hashes. DNS names are Zipf-distributed, so most
// messages repeat a recent name and skip all of it (perf/README.md).
// Four-way set-associative with LRU, exact: an entry is used only when the
// stored name equals the name byte for byte; longer names bypass the cache.
// Single-threaded, no allocation after construction.
#pragma once
#include "rules/rules.hpp"
#include "state/name_hash.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace recontap::detect {

struct NameVerdict {
    rules::Match match;
    int16_t internal_zone = -1;
    bool allowed_domain = false;
    bool under_arpa = false;  // reverse names: ENUM leaves them to RARE
    uint16_t base_begin = 0;  // base_domain(name) is name.substr(base_begin, base_len)
    uint16_t base_len = 0;
    uint64_t name_hash = 0;   // state::hash_name_caseless(name)
    uint64_t base_hash = 0;   // state::hash_name_caseless(base domain)
};

class NameVerdicts {
public:
    static constexpr std::size_t kWays = 4;
    static constexpr std::size_t kSets = 2048;
    static constexpr std::size_t kEntries = kSets * kWays; // 1 MiB: entries of two cache lines
    static constexpr std::size_t kMaxName = 79;           // what the two lines leave for the name

    NameVerdicts() : entries_(std::make_unique<Entry[]>(kEntries)), sets_(std::make_unique<uint64_t[]>(kSets)) {
        clear();
    }

    // The verdict for `name`, from the cache or computed by `compute()` (and
    // kept). The reference is good until the next get().
    template <class Compute>
    const NameVerdict& get(std::string_view name, Compute&& compute) {
        if (name.size() > kMaxName) {
            ++misses_;
            return uncached_ = compute();
        }
        const uint64_t h = state::hash_name_exact(name);
        uint64_t& set = sets_[h & (kSets - 1)];
        Entry* ways = &entries_[(h & (kSets - 1)) * kWays];
        const uint64_t lanes = set;
        const uint64_t tag = lane_tag(h);
        auto holds = [&](const Entry& e) {
            return e.tag == h && e.len == name.size() && std::memcmp(e.name, name.data(), name.size()) == 0;
        };
        // The most recently used lane first: a popular name is usually there.
        if (((lanes ^ tag) & kTagBits) == 0 && holds(ways[lanes & kWayBits])) return ways[lanes & kWayBits].verdict;
        for (uint64_t m = lanes_with_tag(lanes, tag) & ~kFirstLane; m != 0; m &= m - 1) { // one candidate, but for 1 in 4096
            const unsigned lane = unsigned(__builtin_ctzll(m)) / 16;
            Entry& e = ways[(lanes >> (16 * lane)) & kWayBits];
            if (holds(e)) {
                set = to_front(lanes, lane);
                return e.verdict;
            }
        }
        ++misses_;
        // The least recently used lane (the last) gives up its way.
        const uint64_t way = (lanes >> 48) & kWayBits;
        Entry& e = ways[way];
        e.verdict = compute();
        e.tag = h;
        e.len = uint8_t(name.size());
        std::memcpy(e.name, name.data(), name.size());
        set = (lanes << 16) | tag | way;
        return e.verdict;
    }

    // After a rule reload every cached match is stale.
    void clear() {
        for (std::size_t i = 0; i < kEntries; ++i) entries_[i] = Entry{};
        for (std::size_t s = 0; s < kSets; ++s) sets_[s] = (3ull << 48) | (2ull << 32) | (1ull << 16); // lanes: ways 0..3, tag 0
    }

    uint64_t misses() const { return misses_; } // names computed (looked up and not found, or too long to keep)

private:
    // Two cache lines, aligned as a pair (the adjacent-line prefetcher loads
    // both): tag, verdict and length in the first, the name mostly in the second.
    struct alignas(128) Entry {
        uint64_t tag = 0;
        NameVerdict verdict;
        uint8_t len = 0xff; // no name has this length: empty
        char name[kMaxName];
    };
    static_assert(sizeof(Entry) == 128, "NameVerdicts::Entry: keep it two cache lines");

    // A set is one 64-bit word of four 16-bit lanes, most recently used
    // first: a lane is a 14-bit tag (from the hash bits the set index does
    // not use; never 0, the empty lanes' tag) above the 2-bit way it names.
    // Looking up costs one load of a 16 KiB array that stays in L1/L2, then
    // the one entry the tag points at, as the direct-mapped cache did; four
    // ways with LRU keep the names that come back, where a direct-mapped
    // cache lost about a fifth of them to a clash (perf/README.md).
    static constexpr uint64_t kWayBits = 3, kTagBits = 0xfffc, kFirstLane = 0xffff, kLaneOnes = 0x0001000100010001ull;
    static uint64_t lane_tag(uint64_t h) { return ((h >> 50) | 1) << 2; }
    // High bit of every lane whose tag is `tag` (exact, no false lanes).
    static uint64_t lanes_with_tag(uint64_t lanes, uint64_t tag) {
        constexpr uint64_t kLow15 = 0x7fff7fff7fff7fffull;
        const uint64_t x = (lanes ^ (tag * kLaneOnes)) & (kTagBits * kLaneOnes); // 0 in a lane: same tag
        return ~(((x & kLow15) + kLow15) | x | kLow15);
    }
    // The set with lane `lane` (1..3) moved to the front.
    static uint64_t to_front(uint64_t lanes, unsigned lane) {
        const uint64_t below = lanes & ((1ull << (16 * lane)) - 1);
        const uint64_t above = lane == 3 ? 0 : lanes >> (16 * (lane + 1)) << (16 * (lane + 1));
        return above | (below << 16) | ((lanes >> (16 * lane)) & 0xffff);
    }

    std::unique_ptr<Entry[]> entries_;
    std::unique_ptr<uint64_t[]> sets_;
    uint64_t misses_ = 0;
    NameVerdict uncached_; // the verdict of the last name too long to cache
};

} // namespace recontap::detect
