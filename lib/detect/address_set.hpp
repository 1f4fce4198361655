// Longest-prefix match over a list of networks (threat-intel lists). Built
// once from the configuration; lookups allocate nothing: one sorted array per
// prefix length present, searched from the longest prefix down, so a lookup
// costs (number of distinct prefix lengths) binary searches.
#pragma once
#include "config/config.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace recontap::detect {

class AddressSet {
public:
    AddressSet() = default;
    explicit AddressSet(const std::vector<config::IntelEntry>& entries);

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    // The most specific entry containing a, or nullptr.
    const config::IntelEntry* find(const dns::IpAddr& a) const;

private:
    struct Key {
        uint64_t hi, lo; // address bytes, big-endian, masked to the prefix
        auto operator<=>(const Key&) const = default;
    };
    struct Bucket {
        uint8_t prefix;
        std::vector<std::pair<Key, uint32_t>> nets; // sorted by key; value: entry index
    };
    static Key masked(const dns::IpAddr& a, unsigned prefix);
    std::vector<Bucket> v4_, v6_; // longest prefix first
    std::vector<config::IntelEntry> entries_;
    std::size_t size_ = 0;
};

} // namespace recontap::detect
