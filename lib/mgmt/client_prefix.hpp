// One IPv6 client is a prefix (default /64: the data plane's
// ipv6_client_prefix), because a host sprays source addresses across its
// /64 (massdns over IPv6). recontapd suppresses, ranks and blocklists by the
// same unit, so one such host is one client, not one per address.
#pragma once
#include "config/config.hpp"

#include <cstdint>
#include <string>

namespace recontap::mgmt {

// The client an alert's src_ip stands for: an IPv4 address as it is, an
// IPv6 one as "PREFIX/LEN" (as it is when LEN is 128); other text unchanged.
inline std::string client_of(const std::string& src_ip, unsigned ipv6_prefix) {
    dns::IpAddr a;
    if (ipv6_prefix >= 128 || !config::parse_ip(src_ip, a) || a.family != 6) return src_ip;
    return config::format_ip(config::network_of(a, ipv6_prefix)) + "/" + std::to_string(ipv6_prefix);
}

} // namespace recontap::mgmt
