// Per-worker cache of what the engine derives from a query name alone: the
// rule match (Hyperscan), the site's internal-zone / allow-list lookups and
// ENUM's base domain and name hashes. DNS names are Zipf-distributed, so most
// messages repeat a recent name and skip all of it (perf/README.md).
// Direct-mapped, exact: an entry is used only when the stored name equals the
// name byte for byte; longer names bypass the cache.
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
    static constexpr std::size_t kEntries = 8192; // 1 MiB: entries of two cache lines
    static constexpr std::size_t kMaxName = 79;   // what the two lines leave for the name

    NameVerdicts() : entries_(std::make_unique<Entry[]>(kEntries)) {}

    // The verdict for `name`, from the cache or computed by `compute()` (and
    // kept). The reference is good until the next get().
    template <class Compute>
    const NameVerdict& get(std::string_view name, Compute&& compute) {
        if (name.size() > kMaxName) return uncached_ = compute();
        uint64_t h = state::hash_name_exact(name);
        Entry& e = entries_[h & (kEntries - 1)];
        if (e.tag == h && e.len == name.size() && std::memcmp(e.name, name.data(), name.size()) == 0)
            return e.verdict;
        e.verdict = compute();
        e.tag = h;
        e.len = uint8_t(name.size());
        std::memcpy(e.name, name.data(), name.size());
        return e.verdict;
    }

    // After a rule reload every cached match is stale.
    void clear() {
        for (std::size_t i = 0; i < kEntries; ++i) entries_[i] = Entry{};
    }

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

    std::unique_ptr<Entry[]> entries_;
    NameVerdict uncached_; // the verdict of the last name too long to cache
};

} // namespace recontap::detect
