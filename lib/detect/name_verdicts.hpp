// Per-worker cache of what the engine derives from a query name alone: the
// rule match (Hyperscan) and the site's internal-zone / allow-list suffix
// scans. DNS names are Zipf-distributed, so most messages repeat a recent
// name and skip all three (perf/README.md: ~35 % of the engine's
// instructions). Direct-mapped, exact: an entry is used only when the stored
// name equals the name byte for byte; longer names bypass the cache.
// Single-threaded, no allocation after construction.
#pragma once
#include "rules/rules.hpp"

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
};

class NameVerdicts {
public:
    static constexpr std::size_t kEntries = 8192; // 512 KiB: fits beside the client table in L2/L3
    static constexpr std::size_t kMaxName = 40;   // an entry is one cache line

    NameVerdicts() : entries_(std::make_unique<Entry[]>(kEntries)) {}

    // The verdict for `name`, from the cache or computed by `compute()` (and kept).
    template <class Compute>
    NameVerdict get(std::string_view name, Compute&& compute) {
        if (name.size() > kMaxName) return compute();
        uint64_t h = hash(name);
        Entry& e = entries_[h & (kEntries - 1)];
        if (e.hash == h && e.len == name.size() && std::memcmp(e.name, name.data(), name.size()) == 0)
            return e.verdict;
        e.verdict = compute();
        e.hash = h;
        e.len = uint8_t(name.size());
        std::memcpy(e.name, name.data(), name.size());
        return e.verdict;
    }

    // After a rule reload every cached match is stale.
    void clear() {
        for (std::size_t i = 0; i < kEntries; ++i) entries_[i] = Entry{};
    }

private:
    struct alignas(64) Entry {
        uint64_t hash = 0;
        NameVerdict verdict;
        uint8_t len = 0xff; // no name has this length: empty
        char name[kMaxName];
    };
    static uint64_t hash(std::string_view s) {
        uint64_t h = 0xcbf29ce484222325ull; // FNV-1a, then a finaliser so the low bits mix
        for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        return h ^ (h >> 33);
    }
    std::unique_ptr<Entry[]> entries_;
};

} // namespace recontap::detect
