// Which of a list of DNS suffixes a name is under, without a compare per
// list entry: a name under suffix s ends with s, so the name's last 8 bytes
// are s's last 8 bytes. The suffixes are grouped by those 8 bytes
// (lowercased) in a small open-addressing table; a lookup reads the name's
// tail once, finds the few suffixes sharing it (usually none) and checks
// only those with name_under(). Suffixes shorter than 8 bytes are checked one
// by one (rare: whole TLDs). O(1) in the list's length where a name_under()
// per entry is O(entries): the 21 default allow-list entries were 17 % of
// the engine's instructions (perf/README.md). Read-only after construction;
// lookups allocate nothing.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recontap::detect {

class SuffixSet {
public:
    explicit SuffixSet(const std::vector<std::string>& suffixes);

    // The lowest list index i with name_under(name, suffixes[i]), or -1.
    int first_under(std::string_view name) const;
    bool any_under(std::string_view name) const { return first_under(name) >= 0; }

    static constexpr std::size_t kTail = 8;

private:
    struct Bucket {
        uint64_t tail = 0;
        uint32_t first = 0, count = 0; // indices_[first .. first + count), ascending
    };
    std::vector<std::string> suffixes_; // in list order
    std::vector<Bucket> buckets_;       // power-of-two size, at most half full; count 0 = empty
    std::vector<int32_t> indices_;      // list indices grouped by tail
    std::vector<int32_t> short_;        // indices of suffixes shorter than kTail, ascending
};

} // namespace recontap::detect
