// Why a packet or DNS message was rejected. Every reason is counted per
// worker and shown in stats.json and the CLI, so the names are part of the
// user interface: keep them stable, add new ones before `count`.
#pragma once
#include <cstdint>
#include <string_view>

namespace recontap::dns {

enum class Malformed : uint8_t {
    none = 0,
    // link / network / transport
    l2_truncated,
    l2_unsupported,        // ethertype or link type we do not decode (counted, not an error)
    ip_truncated,
    ip_bad_header,         // version, IHL, length fields inconsistent
    ip_ext_truncated,      // IPv6 extension header chain runs past the packet
    ip_fragment_non_first, // later fragment of a datagram: no L4 header to read
    udp_truncated,
    udp_bad_length,        // UDP length field smaller than the header or larger than the IP payload
    tcp_truncated,
    // DNS message
    dns_short_header,      // fewer than 12 octets
    dns_question_truncated,// QTYPE/QCLASS cut off after the name
    dns_count_overflow,    // header counts more records than the message can hold
    name_truncated,        // label or pointer runs past the message end
    name_bad_label_type,   // 0x40 / 0x80 label types (RFC 6891 reserved)
    name_too_long,         // more than 255 octets of wire name
    name_pointer_into_header,
    name_pointer_loop,     // pointer chain revisits itself or exceeds the hop bound
    rr_truncated,          // resource record fixed part or RDATA runs past the end
    edns_bad_option,       // option length runs past the OPT RDATA
    tcp_bad_length,        // DNS-over-TCP length prefix of 0 or < 12
    tcp_message_cut,       // DNS-over-TCP message cut short: FIN, RST, a new SYN or idle expiry before its last octet
    count
};

inline constexpr std::size_t kMalformedCount = static_cast<std::size_t>(Malformed::count);

constexpr std::string_view malformed_name(Malformed m) {
    constexpr std::string_view names[] = {
        "none",
        "l2_truncated", "l2_unsupported", "ip_truncated", "ip_bad_header",
        "ip_ext_truncated", "ip_fragment_non_first", "udp_truncated", "udp_bad_length",
        "tcp_truncated",
        "dns_short_header", "dns_question_truncated", "dns_count_overflow",
        "name_truncated", "name_bad_label_type", "name_too_long",
        "name_pointer_into_header", "name_pointer_loop",
        "rr_truncated", "edns_bad_option", "tcp_bad_length", "tcp_message_cut",
    };
    static_assert(std::size(names) == kMalformedCount);
    auto i = static_cast<std::size_t>(m);
    return i < kMalformedCount ? names[i] : "unknown";
}

} // namespace recontap::dns
