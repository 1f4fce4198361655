// Link, network and transport decoding. Straight-line code over a byte span:
// every read is preceded by a length check, nothing allocates, nothing throws.
#include "dns/packet.hpp"

#include "dns/wire.hpp"

#include <algorithm>
#include <cstring>

namespace recontap::dns {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88A8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr int kMaxVlanTags = 8; // deeper stacks are not real traffic

constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpv6Fragment = 44;

bool ipv6_extension(uint8_t next) { return next == 0 || next == 43 || next == 60 || next == 51; }

// A later fragment is only worth holding for reassembly if its datagram can
// be DNS: UDP or TCP (or, in IPv6, extension headers before them). Others
// (ICMP, GRE, ESP) are not DNS, as their first fragment already says; held,
// they would never complete and would count as drops.
Malformed later_fragment(uint8_t proto, bool ipv6) {
    bool may_be_dns = proto == kIpProtoUdp || proto == kIpProtoTcp || (ipv6 && ipv6_extension(proto));
    return may_be_dns ? Malformed::ip_fragment_non_first : Malformed::l2_unsupported;
}

Malformed decode_ipv4(const uint8_t* p, std::size_t captured, PacketView& out) {
    if (captured < 20) return Malformed::ip_truncated;
    if ((p[0] >> 4) != 4) return Malformed::ip_bad_header;
    std::size_t header_len = std::size_t(p[0] & 0x0F) * 4;
    std::size_t total_len = rd16(p + 2);
    if (header_len < 20 || total_len < header_len) return Malformed::ip_bad_header;
    if (header_len > captured) return Malformed::ip_truncated;
    // Trailing bytes past total_len are link padding; a shorter capture is a snaplen cut.
    out.capture_truncated = total_len > captured;
    std::size_t available = std::min(total_len, captured) - header_len;
    out.src.family = out.dst.family = 4;
    std::memcpy(out.src.bytes, p + 12, 4);
    std::memcpy(out.dst.bytes, p + 16, 4);
    out.ip_proto = p[9];
    const uint8_t* l4 = p + header_len;
    uint16_t frag = rd16(p + 6);
    bool more = (frag & 0x2000) != 0;
    uint16_t offset = uint16_t((frag & 0x1FFF) * 8);
    if (more || offset != 0) {
        out.is_fragment = true;
        out.frag_more = more;
        out.frag_offset = offset;
        out.frag_id = rd16(p + 4);
        out.ip_payload = l4;
        out.ip_payload_len = uint32_t(available);
        if (offset != 0) return later_fragment(out.ip_proto, false);
        out.fragmented = true;
    }
    return decode_transport(out.ip_proto, {l4, available}, uint32_t(total_len - header_len), out);
}

Malformed decode_ipv6(const uint8_t* p, std::size_t captured, PacketView& out) {
    if (captured < 40) return Malformed::ip_truncated;
    if ((p[0] >> 4) != 6) return Malformed::ip_bad_header;
    std::size_t payload_len = rd16(p + 4);
    if (payload_len == 0) return Malformed::ip_bad_header; // jumbograms do not carry DNS
    out.capture_truncated = 40 + payload_len > captured;
    std::size_t end = std::min(40 + payload_len, captured);
    out.src.family = out.dst.family = 6;
    std::memcpy(out.src.bytes, p + 8, 16);
    std::memcpy(out.dst.bytes, p + 24, 16);
    uint8_t next = p[6];
    std::size_t pos = 40;
    const std::span<const uint8_t> packet(p, end);
    if (Malformed m = skip_ipv6_extensions(packet, pos, next); m != Malformed::none) return m;
    if (next == kIpv6Fragment) {
        if (pos + 8 > end) return Malformed::ip_ext_truncated;
        uint16_t frag = rd16(p + pos + 2);
        out.is_fragment = true;
        out.frag_more = (frag & 1) != 0;
        out.frag_offset = uint16_t(frag & 0xFFF8);
        out.frag_id = rd32(p + pos + 4);
        next = p[pos];
        pos += 8;
        // Headers after the Fragment header belong to the fragmented part
        // (RFC 8200 4.5): the datagram to rebuild starts here, and its
        // reassembly walks them (IpReassembly), not each fragment.
        out.ip_proto = next;
        out.ip_payload = p + pos;
        out.ip_payload_len = uint32_t(end - pos);
        if (out.frag_offset != 0) return later_fragment(next, true);
        if (out.frag_more) out.fragmented = true;
        else out.is_fragment = false; // atomic fragment: a whole datagram
        // The first fragment: its own extension headers, then the transport
        // header it carries (for the client's ports).
        if (Malformed m = skip_ipv6_extensions(packet, pos, next); m != Malformed::none) return m;
    }
    if (!out.is_fragment) out.ip_proto = next; // a fragment keeps the header its fragments share (the key)
    std::size_t declared = 40 + payload_len >= pos ? 40 + payload_len - pos : 0;
    return decode_transport(next, {p + pos, end - pos}, uint32_t(declared), out);
}

Malformed decode_ip_by_version(const uint8_t* p, std::size_t n, PacketView& out) {
    if (n < 1) return Malformed::ip_truncated;
    switch (p[0] >> 4) {
    case 4: return decode_ipv4(p, n, out);
    case 6: return decode_ipv6(p, n, out);
    default: return Malformed::ip_bad_header;
    }
}

// Ethertype dispatch with any number (bounded) of 802.1Q / 802.1ad tags in front.
Malformed decode_ethertype(uint16_t type, const uint8_t* p, std::size_t n, PacketView& out) {
    while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
        if (out.vlan_depth == kMaxVlanTags) return Malformed::l2_unsupported;
        if (n < 4) return Malformed::l2_truncated;
        type = rd16(p + 2);
        p += 4;
        n -= 4;
        ++out.vlan_depth;
    }
    if (type == kEtherIpv4) return decode_ipv4(p, n, out);
    if (type == kEtherIpv6) return decode_ipv6(p, n, out);
    return Malformed::l2_unsupported;
}

// BSD null/loop header: an address family in host (null) or network (loop)
// order of the capturing machine, which may not be ours; accept either order.
Malformed decode_address_family(const uint8_t* p, std::size_t n, PacketView& out) {
    if (n < 4) return Malformed::l2_truncated;
    uint32_t af = rd32(p);
    if (af > 0xFFFF) af = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    switch (af) {
    case 2: return decode_ipv4(p + 4, n - 4, out);                 // AF_INET everywhere
    case 10: case 24: case 28: case 30: return decode_ipv6(p + 4, n - 4, out); // Linux, *BSD, FreeBSD, macOS
    default: return Malformed::l2_unsupported;
    }
}

} // namespace

bool link_type_from_dlt(int dlt, LinkType& out) {
    switch (dlt) {
    case 0: out = LinkType::null_bsd; return true;
    case 1: out = LinkType::ethernet; return true;
    case 10: out = LinkType::fddi; return true;
    case 12: case 14: case 101: out = LinkType::raw; return true;
    case 108: out = LinkType::loop; return true;
    case 113: out = LinkType::linux_sll; return true;
    case 228: out = LinkType::ipv4; return true;
    case 229: out = LinkType::ipv6; return true;
    case 276: out = LinkType::linux_sll2; return true;
    default: return false;
    }
}

Malformed skip_ipv6_extensions(std::span<const uint8_t> bytes, std::size_t& pos, uint8_t& next) {
    const uint8_t* p = bytes.data();
    const std::size_t end = bytes.size();
    // Each extension header is at least 8 octets, so the walk ends within the bytes.
    while (ipv6_extension(next)) {
        if (pos + 8 > end) return Malformed::ip_ext_truncated;
        // Hop-by-hop, routing, destination options: 8-octet units beyond the
        // first; authentication header: 4-octet units, minus 2.
        std::size_t len = next == 51 ? (std::size_t(p[pos + 1]) + 2) * 4 : (std::size_t(p[pos + 1]) + 1) * 8;
        if (pos + len > end) return Malformed::ip_ext_truncated;
        next = p[pos];
        pos += len;
    }
    return Malformed::none;
}

Malformed decode_transport(uint8_t ip_proto, std::span<const uint8_t> l4, uint32_t ip_payload_len,
                           PacketView& out) {
    const uint8_t* p = l4.data();
    std::size_t captured = l4.size();
    if (ip_proto == kIpProtoUdp) {
        out.transport = Transport::udp;
        if (captured < 8) return Malformed::udp_truncated;
        out.sport = rd16(p);
        out.dport = rd16(p + 2);
        std::size_t udp_len = rd16(p + 4);
        if (udp_len < 8) return Malformed::udp_bad_length;
        // In a first fragment the datagram continues in later fragments.
        if (!out.fragmented && udp_len > ip_payload_len) return Malformed::udp_bad_length;
        out.payload = p + 8;
        out.payload_len = uint32_t(std::min(udp_len, captured) - 8);
        return Malformed::none;
    }
    if (ip_proto == kIpProtoTcp) {
        out.transport = Transport::tcp;
        if (captured < 20) return Malformed::tcp_truncated;
        out.sport = rd16(p);
        out.dport = rd16(p + 2);
        out.tcp_seq = rd32(p + 4);
        out.tcp_flags = p[13];
        std::size_t header_len = std::size_t(p[12] >> 4) * 4;
        if (header_len < 20 || header_len > captured) return Malformed::tcp_truncated;
        std::size_t end = out.fragmented ? captured : std::min<std::size_t>(ip_payload_len, captured);
        if (end < header_len) return Malformed::tcp_truncated;
        out.payload = p + header_len;
        out.payload_len = uint32_t(end - header_len);
        return Malformed::none;
    }
    return Malformed::l2_unsupported;
}

Malformed decode_packet(std::span<const uint8_t> frame, LinkType link, PacketView& out) {
    out = PacketView{};
    const uint8_t* p = frame.data();
    std::size_t n = frame.size();
    switch (link) {
    case LinkType::ethernet:
        if (n < 14) return Malformed::l2_truncated;
        return decode_ethertype(rd16(p + 12), p + 14, n - 14, out);
    case LinkType::fddi: // frame control, two addresses, then LLC/SNAP AA AA 03 OUI type
        if (n < 21) return Malformed::l2_truncated;
        if (p[13] != 0xAA || p[14] != 0xAA || p[15] != 0x03) return Malformed::l2_unsupported;
        return decode_ethertype(rd16(p + 19), p + 21, n - 21, out);
    case LinkType::null_bsd:
    case LinkType::loop:
        return decode_address_family(p, n, out);
    case LinkType::raw:
        return decode_ip_by_version(p, n, out);
    case LinkType::ipv4:
        return decode_ipv4(p, n, out);
    case LinkType::ipv6:
        return decode_ipv6(p, n, out);
    case LinkType::linux_sll: // 16-octet header, protocol last
        if (n < 16) return Malformed::l2_truncated;
        return decode_ethertype(rd16(p + 14), p + 16, n - 16, out);
    case LinkType::linux_sll2: // 20-octet header, protocol first
        if (n < 20) return Malformed::l2_truncated;
        return decode_ethertype(rd16(p), p + 20, n - 20, out);
    }
    return Malformed::l2_unsupported;
}

} // namespace recontap::dns
