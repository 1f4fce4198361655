// Longest-prefix match over a list of networks (threat-intel lists). Built
// once from the configuration; lookups allocate nothing: one sorted array per
// prefix length present, searched from the longest prefix down, so a lookup
// costs (number of distinct prefix lengths) binary searches.
#pragma once
#include "config/config.hpp"

#include <array>
#include <cstdint>
#include <cstring>
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

// A short list of networks (the site's internal networks, allowlisted
// clients, DNS servers) asked about for every message: kept per family, an
// IPv4 network as a masked 32-bit word and an IPv6 one as masked 64-bit
// halves, checked inline with ANDs and compares, where Cidr::contains is an
// out-of-line memcmp per entry (perf/README.md).
class NetList {
public:
    explicit NetList(const std::vector<config::Cidr>& nets);
    // Exact addresses: contains(a) is a == one of them (all 16 bytes).
    explicit NetList(const std::vector<dns::IpAddr>& addresses);

    bool contains(const dns::IpAddr& a) const {
        if (a.family == 4) {
            uint32_t w;
            std::memcpy(&w, a.bytes, sizeof w);
            for (const Net4& n : v4_)
                if ((w & n.mask) == n.net) return true;
            return false;
        }
        if (a.family != 6) return false;
        uint64_t hi, lo;
        std::memcpy(&hi, a.bytes, sizeof hi);
        std::memcpy(&lo, a.bytes + 8, sizeof lo);
        for (const Net6& n : v6_)
            if ((hi & n.mask_hi) == n.hi && (lo & n.mask_lo) == n.lo) return true;
        return false;
    }

private:
    struct Net4 {
        uint32_t net, mask; // address bytes 0..3 as loaded, masked
    };
    struct Net6 {
        uint64_t hi, lo, mask_hi, mask_lo; // address bytes 0..7 and 8..15 as loaded, masked
    };
    void add(const dns::IpAddr& a, unsigned prefix_bits);
    std::vector<Net4> v4_;
    std::vector<Net6> v6_;
};

} // namespace recontap::detect
