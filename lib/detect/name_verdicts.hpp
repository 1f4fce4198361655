// Per-worker cache of what the engine derives from a query name alone: the
// rule match (Hyperscan), the site's internal-zone / allow-list lookups and
// ENUM's base domain and name hashes. DNS names are Zipf-distributed, so most
// messages repeat a recent name and skip all of it (perf/README.md).
// Direct-mapped, exact: an entry is used only when the stored name equals the
// name byte for byte; longer names bypass the cache.
// Single-threaded, no allocation after construction.
#pragma once
#include "rules/rules.hpp"
#include "state/distinct_counter.hpp"

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
    uint64_t name_hash = 0;   // state::hash_name_caseless(name): also the cache tag
    uint64_t base_hash = 0;   // state::hash_name_caseless(base domain)
};

class NameVerdicts {
public:
    static constexpr std::size_t kEntries = 8192; // 1 MiB: entries of two cache lines
    static constexpr std::size_t kMaxName = 87;   // what the second line leaves for the name

    NameVerdicts() : entries_(std::make_unique<Entry[]>(kEntries)) {}

    // The verdict for `name`, from the cache or computed by `compute()` (and kept).
    template <class Compute>
    NameVerdict get(std::string_view name, Compute&& compute) {
        if (name.size() > kMaxName) return compute();
        uint64_t h = state::hash_name_caseless(name.data(), unsigned(name.size()));
        Entry& e = entries_[(h >> 1) & (kEntries - 1)]; // bit 0 is always set
        if (e.verdict.name_hash == h && e.len == name.size() && std::memcmp(e.name, name.data(), name.size()) == 0)
            return e.verdict;
        e.verdict = compute();
        e.len = uint8_t(name.size());
        std::memcpy(e.name, name.data(), name.size());
        return e.verdict;
    }

    // After a rule reload every cached match is stale.
    void clear() {
        for (std::size_t i = 0; i < kEntries; ++i) entries_[i] = Entry{};
    }

private:
    // Two cache lines: the verdict, the length and the first 23 name bytes
    // in the first, so a name up to 23 bytes (most of them) touches one line.
    struct alignas(64) Entry {
        NameVerdict verdict;
        uint8_t len = 0xff; // no name has this length: empty
        char name[kMaxName];
    };
    static_assert(sizeof(Entry) == 128, "NameVerdicts::Entry: keep it two cache lines");
    std::unique_ptr<Entry[]> entries_;
};

} // namespace recontap::detect
