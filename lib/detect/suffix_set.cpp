#include "detect/suffix_set.hpp"

#include "detect/site.hpp"

#include <cstring>
#include <map>

namespace recontap::detect {

namespace {
// The last 8 bytes of s, ASCII-lowercased (SWAR: bytes 'A'..'Z' get 0x20).
uint64_t tail_lower(std::string_view s) {
    uint64_t x;
    std::memcpy(&x, s.data() + s.size() - SuffixSet::kTail, sizeof x);
    constexpr uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t seven = x & ~high;                         // low 7 bits of every byte
    uint64_t ge_a = seven + (0x80 - 'A') * ones;        // high bit: byte >= 'A'
    uint64_t gt_z = seven + (0x7f - 'Z') * ones;        // high bit: byte > 'Z'
    uint64_t upper = (ge_a & ~gt_z) & ~x & high;        // ... and plain ASCII
    return x | (upper >> 2);
}

std::size_t slot_of(uint64_t tail, std::size_t mask) { return std::size_t((tail * 0x9e3779b97f4a7c15ull) >> 32) & mask; }
} // namespace

SuffixSet::SuffixSet(const std::vector<std::string>& suffixes) : suffixes_(suffixes) {
    std::map<uint64_t, std::vector<int32_t>> groups; // tail -> indices in list order
    for (std::size_t i = 0; i < suffixes_.size(); ++i) {
        if (suffixes_[i].size() < kTail)
            short_.push_back(int32_t(i));
        else
            groups[tail_lower(suffixes_[i])].push_back(int32_t(i));
    }
    std::size_t size = 8;
    while (size < 2 * groups.size()) size *= 2;
    buckets_.resize(size);
    for (const auto& [tail, list] : groups) {
        std::size_t at = slot_of(tail, size - 1);
        while (buckets_[at].count != 0) at = (at + 1) & (size - 1);
        buckets_[at] = {tail, uint32_t(indices_.size()), uint32_t(list.size())};
        indices_.insert(indices_.end(), list.begin(), list.end());
    }
}

int SuffixSet::first_under(std::string_view name) const {
    int best = -1;
    if (name.size() >= kTail) {
        uint64_t tail = tail_lower(name);
        std::size_t mask = buckets_.size() - 1;
        for (std::size_t at = slot_of(tail, mask); buckets_[at].count != 0; at = (at + 1) & mask) {
            if (buckets_[at].tail != tail) continue;
            for (uint32_t k = 0; k < buckets_[at].count && best < 0; ++k) {
                int32_t i = indices_[buckets_[at].first + k];
                if (name_under(name, suffixes_[std::size_t(i)])) best = i;
            }
            break;
        }
    }
    for (int32_t i : short_) {
        if (best >= 0 && i > best) break;
        if (name_under(name, suffixes_[std::size_t(i)])) return i;
    }
    return best;
}

} // namespace recontap::detect
