// Link, network and transport decoding over a byte span. No DPDK here: the
// data plane hands in mbuf data, recontap-dump hands in libpcap buffers, the
// fuzzer hands in anything.
#pragma once
#include "dns/malformed.hpp"

#include <cstdint>
#include <span>

namespace recontap::dns {

// pcap LINKTYPE_ values we decode (https://www.tcpdump.org/linktypes.html).
enum class LinkType : uint16_t {
    null_bsd = 0,     // 4-byte host-order AF header
    ethernet = 1,
    raw = 101,        // raw IPv4/IPv6, version from the first nibble
    loop = 108,       // 4-byte network-order AF header
    linux_sll = 113,
    ipv4 = 228,
    ipv6 = 229,
    linux_sll2 = 276,
};

struct IpAddr {
    uint8_t bytes[16]{}; // IPv4 in bytes[0..3], the rest zero
    uint8_t family = 0;  // 4 or 6; 0 = unset
    bool operator==(const IpAddr&) const = default;
};

enum class Transport : uint8_t { udp = 17, tcp = 6 };

// What the DNS layer needs from a frame. Pointers alias the frame buffer.
struct PacketView {
    IpAddr src, dst;
    uint16_t sport = 0, dport = 0;
    Transport transport = Transport::udp;
    uint8_t vlan_depth = 0;
    bool fragmented = false;   // first fragment of a larger datagram (payload is partial)
    uint32_t tcp_seq = 0;
    uint8_t tcp_flags = 0;
    const uint8_t* payload = nullptr; // L4 payload (UDP data or TCP segment data)
    uint32_t payload_len = 0;
};

// Decodes frame into out. Returns Malformed::none when out.payload is valid.
// A frame that is not UDP/TCP (ARP, ICMP, ...) returns l2_unsupported.
Malformed decode_packet(std::span<const uint8_t> frame, LinkType link, PacketView& out);

// Configured DNS service ports (53 by default; 5353, 5355, 8053 selectable).
struct DnsPorts {
    static constexpr int kMax = 8;
    uint16_t port[kMax]{53};
    uint8_t n = 1;
    constexpr bool contains(uint16_t p) const {
        for (int i = 0; i < n; ++i)
            if (port[i] == p) return true;
        return false;
    }
};

} // namespace recontap::dns
