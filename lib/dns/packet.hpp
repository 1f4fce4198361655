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
    fddi = 10,        // FDDI + 802.2 LLC/SNAP (old captures, e.g. zeek's dns-inverse-query)
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
// Fields ordered by size so the view packs into 80 bytes: the data plane
// hands it from the steering core to a worker inside the mbuf (FrameNote,
// two cache lines with the client key).
struct PacketView {
    IpAddr src, dst;
    Transport transport = Transport::udp;
    uint8_t vlan_depth = 0;
    bool fragmented = false;   // first fragment of a larger datagram (payload is partial)
    uint8_t tcp_flags = 0;
    // For fragment reassembly and diagnostics.
    bool capture_truncated = false; // IP length claims more than was captured (snaplen)
    bool is_fragment = false;       // IPv4 MF/offset or IPv6 fragment header present
    bool frag_more = false;         // more fragments follow this one
    uint8_t ip_proto = 0;           // L4 protocol (after IPv6 extension headers)
    uint16_t sport = 0, dport = 0;
    uint16_t frag_offset = 0;       // in bytes
    uint32_t tcp_seq = 0;
    uint32_t payload_len = 0;
    uint32_t frag_id = 0;           // IPv4 identification or IPv6 fragment id
    uint32_t ip_payload_len = 0;
    const uint8_t* payload = nullptr;    // L4 payload (UDP data or TCP segment data)
    const uint8_t* ip_payload = nullptr; // fragment data (the L4 bytes this packet carries)
};
static_assert(sizeof(PacketView) == 80, "PacketView: keep it packed (FrameNote fits two cache lines)");

// Decodes frame into out. Returns Malformed::none when out.payload is valid.
// A frame that is not UDP/TCP (ARP, ICMP, ...) returns l2_unsupported.
//
// IP fragments: a first fragment returns none with fragmented=true and the
// payload it carries; a later fragment returns ip_fragment_non_first with
// src/dst, the frag_* fields and ip_payload filled, so an IpReassembly
// (ip_reassembly.hpp) can rebuild the datagram. Such a return is a fragment
// handed on, not an error, when the caller reassembles.
Malformed decode_packet(std::span<const uint8_t> frame, LinkType link, PacketView& out);

// Decodes a UDP or TCP header at the start of l4 (ip_proto 17 or 6) into out
// (ports, payload, tcp fields). ip_payload_len is the L4 length the IP layer
// declared (may exceed l4.size() when the capture was cut). Used by
// decode_packet and on reassembled datagrams.
Malformed decode_transport(uint8_t ip_proto, std::span<const uint8_t> l4, uint32_t ip_payload_len,
                           PacketView& out);

// Walks IPv6 extension headers (hop-by-hop, routing, destination options,
// authentication) in bytes from pos, next being the type of the header
// there, to the first header that is none of them: the upper layer, or a
// Fragment header. pos and next end there. On a packet, and on a datagram
// IpReassembly rebuilt (the headers that follow a Fragment header).
Malformed skip_ipv6_extensions(std::span<const uint8_t> bytes, std::size_t& pos, uint8_t& next);

// Maps a libpcap pcap_datalink() value (DLT_*, or the LINKTYPE_* stored in
// the file) to the LinkType decode_packet understands; false when unsupported.
// DLT_RAW is 12 or 14 depending on the platform; LINKTYPE_RAW is 101.
bool link_type_from_dlt(int dlt, LinkType& out);

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
