// One IPv6 client is a prefix (default /64: the data plane's
// ipv6_client_prefix), because a host sprays source addresses across its
// /64 (massdns over IPv6). recontapd suppresses, ranks and blocklists by the
// same unit, so one such host is one client, not one per address.
#pragma once
#include "config/config.hpp"

#include <cstdint>
#include <string>

namespace recontap::mgmt {

// Clears the bits of a 16-byte IPv6 address past prefix.
inline void mask_to_prefix(uint8_t* bytes, unsigned prefix) {
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        bytes[i] &= uint8_t(keep == 8 ? 0xFF : (0xFF00 >> keep) & 0xFF);
    }
}

// The client an alert's src_ip stands for: an IPv4 address as it is, an
// IPv6 one as "PREFIX/LEN" (as it is when LEN is 128); other text unchanged.
inline std::string client_of(const std::string& src_ip, unsigned ipv6_prefix) {
    dns::IpAddr a;
    if (ipv6_prefix >= 128 || !config::parse_ip(src_ip, a) || a.family != 6) return src_ip;
    mask_to_prefix(a.bytes, ipv6_prefix);
    return config::format_ip(a) + "/" + std::to_string(ipv6_prefix);
}

} // namespace recontap::mgmt
