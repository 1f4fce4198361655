#include "detect/address_set.hpp"

#include <algorithm>

namespace recontap::detect {

AddressSet::Key AddressSet::masked(const dns::IpAddr& a, unsigned prefix) {
    Key k{0, 0};
    unsigned bytes = a.family == 4 ? 4 : 16;
    for (unsigned i = 0; i < bytes; ++i) {
        unsigned bit = i * 8;
        uint8_t b = a.bytes[i];
        if (bit >= prefix) b = 0;
        else if (prefix - bit < 8) b = uint8_t(b & (0xff << (8 - (prefix - bit))));
        if (i < 8) k.hi |= uint64_t(b) << (56 - 8 * i);
        else k.lo |= uint64_t(b) << (56 - 8 * (i - 8));
    }
    return k;
}

AddressSet::AddressSet(const std::vector<config::IntelEntry>& entries) : entries_(entries), size_(entries.size()) {
    for (uint32_t i = 0; i < entries_.size(); ++i) {
        const config::Cidr& net = entries_[i].net;
        auto& buckets = net.addr.family == 4 ? v4_ : v6_;
        auto it = std::find_if(buckets.begin(), buckets.end(), [&](const Bucket& b) { return b.prefix == net.prefix; });
        if (it == buckets.end()) it = buckets.insert(buckets.end(), Bucket{net.prefix, {}});
        it->nets.emplace_back(masked(net.addr, net.prefix), i);
    }
    for (auto* buckets : {&v4_, &v6_}) {
        std::sort(buckets->begin(), buckets->end(), [](const Bucket& a, const Bucket& b) { return a.prefix > b.prefix; });
        for (auto& b : *buckets) std::stable_sort(b.nets.begin(), b.nets.end(), [](auto& x, auto& y) { return x.first < y.first; });
    }
}

const config::IntelEntry* AddressSet::find(const dns::IpAddr& a) const {
    if (a.family != 4 && a.family != 6) return nullptr;
    const auto& buckets = a.family == 4 ? v4_ : v6_;
    for (const Bucket& b : buckets) {
        Key k = masked(a, b.prefix);
        auto it = std::lower_bound(b.nets.begin(), b.nets.end(), k, [](const auto& e, const Key& key) { return e.first < key; });
        if (it != b.nets.end() && it->first == k) return &entries_[it->second];
    }
    return nullptr;
}

NetList::NetList(const std::vector<config::Cidr>& nets) {
    for (const auto& n : nets)
        if (n.addr.family != 0) add(n.addr, n.prefix);
}

NetList::NetList(const std::vector<dns::IpAddr>& addresses) {
    for (const auto& a : addresses) add(a, 128); // all 16 bytes, as IpAddr's == compares them
}

void NetList::add(const dns::IpAddr& a, unsigned prefix_bits) {
    uint8_t mask[16] = {}, net[16] = {};
    for (unsigned i = 0; i < 16; ++i) {
        unsigned bits = prefix_bits > 8 * i ? prefix_bits - 8 * i : 0;
        mask[i] = bits >= 8 ? 0xff : uint8_t(0xff00u >> bits);
        net[i] = a.bytes[i] & mask[i];
    }
    if (a.family == 4) {
        // IPv4 bytes past the fourth are zero in every address: the 32-bit word says it all.
        Net4 n{};
        std::memcpy(&n.net, net, 4);
        std::memcpy(&n.mask, mask, 4);
        v4_.push_back(n);
        return;
    }
    if (a.family != 6) return;
    Net6 n{};
    std::memcpy(&n.hi, net, 8);
    std::memcpy(&n.lo, net + 8, 8);
    std::memcpy(&n.mask_hi, mask, 8);
    std::memcpy(&n.mask_lo, mask + 8, 8);
    v6_.push_back(n);
}

} // namespace recontap::detect
