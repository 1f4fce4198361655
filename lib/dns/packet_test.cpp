#include "dns/packet.hpp"
#include "dns/test_builders.hpp"

#include <gtest/gtest.h>

using namespace recontap::dns;
using namespace recontap::dns::test;

namespace {
const Bytes kQuery = dns_query("example.com", 1);

// PacketView points into the frame: keep the last one alive for the assertions.
Bytes last_frame;
Malformed decode(const Bytes& frame, LinkType link, PacketView& pv) {
    last_frame = frame;
    return decode_packet(last_frame, link, pv);
}

void expect_query_payload(const PacketView& pv) {
    ASSERT_EQ(pv.payload_len, kQuery.size());
    EXPECT_EQ(Bytes(pv.payload, pv.payload + pv.payload_len), kQuery);
}
} // namespace

TEST(Packet, EthernetIpv4Udp) {
    PacketView pv;
    ASSERT_EQ(decode(ethernet(ipv4(udp(kQuery, 40000, 53)), {0x0800}), LinkType::ethernet, pv), Malformed::none);
    EXPECT_EQ(pv.src.family, 4);
    EXPECT_EQ(pv.src.bytes[3], 1);
    EXPECT_EQ(pv.dst.bytes[3], 2);
    EXPECT_EQ(pv.sport, 40000);
    EXPECT_EQ(pv.dport, 53);
    EXPECT_EQ(pv.transport, Transport::udp);
    EXPECT_EQ(pv.vlan_depth, 0);
    EXPECT_FALSE(pv.fragmented);
    expect_query_payload(pv);
}

TEST(Packet, VlanQinQAndStackedTags) {
    PacketView pv;
    ASSERT_EQ(decode(ethernet(ipv4(udp(kQuery)), {0x8100, 11, 0x0800}), LinkType::ethernet, pv), Malformed::none);
    EXPECT_EQ(pv.vlan_depth, 1);
    expect_query_payload(pv);
    ASSERT_EQ(decode(ethernet(ipv4(udp(kQuery)), {0x88A8, 100, 0x8100, 11, 0x0800}), LinkType::ethernet, pv),
              Malformed::none);
    EXPECT_EQ(pv.vlan_depth, 2);
    ASSERT_EQ(decode(ethernet(ipv6(udp(kQuery)), {0x8100, 1, 0x8100, 2, 0x86DD}), LinkType::ethernet, pv),
              Malformed::none);
    EXPECT_EQ(pv.vlan_depth, 2);
    expect_query_payload(pv);
    // A tag with nothing after it.
    EXPECT_EQ(decode(ethernet({0x00, 0x0b}, {0x8100}), LinkType::ethernet, pv), Malformed::l2_truncated);
}

TEST(Packet, NonIpIsUnsupportedNotAnError) {
    PacketView pv;
    EXPECT_EQ(decode(ethernet(Bytes(28, 0), {0x0806}), LinkType::ethernet, pv), Malformed::l2_unsupported);
    EXPECT_EQ(decode(ethernet(ipv4(Bytes(8, 0), 1), {0x0800}), LinkType::ethernet, pv), Malformed::l2_unsupported);
    EXPECT_EQ(decode(Bytes(10, 0), LinkType::ethernet, pv), Malformed::l2_truncated);
}

TEST(Packet, BsdNullAndLoopInEitherByteOrder) {
    PacketView pv;
    Bytes v4 = ipv4(udp(kQuery));
    Bytes le = {2, 0, 0, 0}, be = {0, 0, 0, 2}, v6le = {30, 0, 0, 0}, v6linux = {0, 0, 0, 10};
    for (const Bytes& af : {le, be}) {
        Bytes f = af;
        append(f, v4);
        ASSERT_EQ(decode(f, LinkType::null_bsd, pv), Malformed::none);
        expect_query_payload(pv);
        ASSERT_EQ(decode(f, LinkType::loop, pv), Malformed::none);
    }
    for (const Bytes& af : {v6le, v6linux}) {
        Bytes f = af;
        append(f, ipv6(udp(kQuery)));
        ASSERT_EQ(decode(f, LinkType::null_bsd, pv), Malformed::none);
        EXPECT_EQ(pv.src.family, 6);
    }
    Bytes other = {7, 0, 0, 0};
    append(other, v4);
    EXPECT_EQ(decode(other, LinkType::null_bsd, pv), Malformed::l2_unsupported);
}

TEST(Packet, RawIpv4Ipv6AndFixedFamilies) {
    PacketView pv;
    ASSERT_EQ(decode(ipv4(udp(kQuery)), LinkType::raw, pv), Malformed::none);
    EXPECT_EQ(pv.src.family, 4);
    ASSERT_EQ(decode(ipv6(udp(kQuery)), LinkType::raw, pv), Malformed::none);
    EXPECT_EQ(pv.src.family, 6);
    EXPECT_EQ(pv.dst.bytes[15], 2);
    ASSERT_EQ(decode(ipv4(udp(kQuery)), LinkType::ipv4, pv), Malformed::none);
    ASSERT_EQ(decode(ipv6(udp(kQuery)), LinkType::ipv6, pv), Malformed::none);
    EXPECT_EQ(decode(ipv6(udp(kQuery)), LinkType::ipv4, pv), Malformed::ip_bad_header);
    EXPECT_EQ(decode(Bytes{0x50, 0, 0}, LinkType::raw, pv), Malformed::ip_bad_header);
}

TEST(Packet, LinuxCookedV1AndV2) {
    PacketView pv;
    Bytes sll(14, 0);
    put16(sll, 0x0800);
    append(sll, ipv4(udp(kQuery)));
    ASSERT_EQ(decode(sll, LinkType::linux_sll, pv), Malformed::none);
    expect_query_payload(pv);
    Bytes sll2;
    put16(sll2, 0x86DD);
    append(sll2, Bytes(18, 0));
    append(sll2, ipv6(udp(kQuery)));
    ASSERT_EQ(decode(sll2, LinkType::linux_sll2, pv), Malformed::none);
    expect_query_payload(pv);
    EXPECT_EQ(decode(Bytes(15, 0), LinkType::linux_sll, pv), Malformed::l2_truncated);
}

TEST(Packet, Ipv4OptionsAndBadHeaders) {
    PacketView pv;
    ASSERT_EQ(decode(ipv4(udp(kQuery), 17, 12), LinkType::raw, pv), Malformed::none);
    expect_query_payload(pv);
    Bytes bad_ihl = ipv4(udp(kQuery));
    bad_ihl[0] = 0x44; // IHL 16 octets < 20
    EXPECT_EQ(decode(bad_ihl, LinkType::raw, pv), Malformed::ip_bad_header);
    Bytes short_total = ipv4(udp(kQuery));
    short_total[2] = 0, short_total[3] = 10;
    EXPECT_EQ(decode(short_total, LinkType::raw, pv), Malformed::ip_bad_header);
    Bytes whole = ipv4(udp(kQuery));
    EXPECT_EQ(decode(Bytes(whole.begin(), whole.begin() + 19), LinkType::raw, pv), Malformed::ip_truncated);
}

TEST(Packet, EthernetPaddingBeyondIpLengthIsTrimmed) {
    PacketView pv;
    Bytes f = ethernet(ipv4(udp(kQuery)), {0x0800});
    f.insert(f.end(), 6, 0); // minimum-frame padding
    ASSERT_EQ(decode(f, LinkType::ethernet, pv), Malformed::none);
    expect_query_payload(pv);
    Bytes g = ethernet(ipv6(udp(kQuery)), {0x86DD});
    g.push_back(0);
    ASSERT_EQ(decode(g, LinkType::ethernet, pv), Malformed::none);
    expect_query_payload(pv);
    EXPECT_FALSE(pv.capture_truncated);
}

TEST(Packet, SnaplenCutKeepsWhatWasCaptured) {
    PacketView pv;
    Bytes f = ipv4(udp(kQuery));
    f.resize(f.size() - 5);
    ASSERT_EQ(decode(f, LinkType::raw, pv), Malformed::none);
    EXPECT_TRUE(pv.capture_truncated);
    EXPECT_EQ(pv.payload_len, kQuery.size() - 5);
}

TEST(Packet, UdpLengthRules) {
    PacketView pv;
    Bytes zero_len = udp(kQuery);
    zero_len[4] = 0, zero_len[5] = 8; // the zlip captures: UDP says no payload
    ASSERT_EQ(decode(ipv4(zero_len), LinkType::raw, pv), Malformed::none);
    EXPECT_EQ(pv.payload_len, 0u);
    Bytes shorter = udp(kQuery);
    shorter[5] = uint8_t(8 + 12); // trailing bytes after the UDP datagram are ignored
    ASSERT_EQ(decode(ipv4(shorter), LinkType::raw, pv), Malformed::none);
    EXPECT_EQ(pv.payload_len, 12u);
    Bytes tiny = udp(kQuery);
    tiny[4] = 0, tiny[5] = 7;
    EXPECT_EQ(decode(ipv4(tiny), LinkType::raw, pv), Malformed::udp_bad_length);
    Bytes huge = udp(kQuery);
    huge[4] = 0x10;
    EXPECT_EQ(decode(ipv4(huge), LinkType::raw, pv), Malformed::udp_bad_length);
    EXPECT_EQ(decode(ipv4(Bytes{0, 53, 0}), LinkType::raw, pv), Malformed::udp_truncated);
}

TEST(Packet, TcpDataOffset) {
    PacketView pv;
    ASSERT_EQ(decode(ipv4(tcp(kQuery, 1000, 0x18, 40000, 53, 12), 6), LinkType::raw, pv), Malformed::none);
    EXPECT_EQ(pv.transport, Transport::tcp);
    EXPECT_EQ(pv.tcp_seq, 1000u);
    EXPECT_EQ(pv.tcp_flags, 0x18);
    expect_query_payload(pv);
    Bytes bad = tcp(kQuery, 1);
    bad[12] = 0x40; // 16-octet header
    EXPECT_EQ(decode(ipv4(bad, 6), LinkType::raw, pv), Malformed::tcp_truncated);
    Bytes past = tcp({}, 1);
    past[12] = 0xF0; // 60-octet header in a 20-octet segment
    EXPECT_EQ(decode(ipv4(past, 6), LinkType::raw, pv), Malformed::tcp_truncated);
}

TEST(Packet, Ipv4Fragments) {
    PacketView pv;
    Bytes datagram = udp(kQuery);
    Bytes first(datagram.begin(), datagram.begin() + 16);
    ASSERT_EQ(decode(ipv4(first, 17, 0, 0x2000, 77), LinkType::raw, pv), Malformed::none);
    EXPECT_TRUE(pv.fragmented);
    EXPECT_TRUE(pv.is_fragment);
    EXPECT_TRUE(pv.frag_more);
    EXPECT_EQ(pv.frag_id, 77u);
    EXPECT_EQ(pv.payload_len, 8u); // what the first fragment carries
    EXPECT_EQ(pv.dport, 53);
    Bytes rest(datagram.begin() + 16, datagram.end());
    ASSERT_EQ(decode(ipv4(rest, 17, 0, 2, 77), LinkType::raw, pv), Malformed::ip_fragment_non_first);
    EXPECT_EQ(pv.frag_offset, 16);
    EXPECT_FALSE(pv.frag_more);
    EXPECT_EQ(pv.ip_payload_len, rest.size());
    EXPECT_EQ(pv.ip_proto, 17);
}

TEST(Packet, Ipv6ExtensionHeaders) {
    PacketView pv;
    Bytes hop(8, 0), routing(24, 0), dest(16, 0);
    routing[1] = 2; // (2+1)*8 = 24
    dest[1] = 1;
    Bytes f = ipv6(udp(kQuery), 17, {{0, hop}, {43, routing}, {60, dest}});
    ASSERT_EQ(decode(f, LinkType::raw, pv), Malformed::none);
    expect_query_payload(pv);
    Bytes frag_hdr(8, 0);
    frag_hdr[3] = 1; // offset 0, M=1
    frag_hdr[7] = 9;
    Bytes datagram = udp(kQuery);
    Bytes first(datagram.begin(), datagram.begin() + 24);
    ASSERT_EQ(decode(ipv6(first, 17, {{44, frag_hdr}}), LinkType::raw, pv), Malformed::none);
    EXPECT_TRUE(pv.fragmented);
    EXPECT_EQ(pv.frag_id, 9u);
    Bytes later = frag_hdr;
    later[2] = 0, later[3] = 24; // offset 24, M=0
    ASSERT_EQ(decode(ipv6(Bytes(datagram.begin() + 24, datagram.end()), 17, {{44, later}}), LinkType::raw, pv),
              Malformed::ip_fragment_non_first);
    EXPECT_EQ(pv.frag_offset, 24);
    Bytes atomic(8, 0); // offset 0, M=0: a whole datagram
    ASSERT_EQ(decode(ipv6(udp(kQuery), 17, {{44, atomic}}), LinkType::raw, pv), Malformed::none);
    EXPECT_FALSE(pv.fragmented);
    Bytes cut = ipv6(udp(kQuery), 17, {{60, dest}});
    cut[40 + 1] = 200; // destination options claim 1608 octets
    EXPECT_EQ(decode(cut, LinkType::raw, pv), Malformed::ip_ext_truncated);
}

TEST(Packet, FddiWithSnap) {
    PacketView pv;
    Bytes f(13, 0x11);
    append(f, {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00});
    append(f, ipv4(tcp(kQuery, 7, 0x18), 6));
    ASSERT_EQ(decode(f, LinkType::fddi, pv), Malformed::none);
    EXPECT_EQ(pv.transport, Transport::tcp);
    expect_query_payload(pv);
    f[13] = 0x42; // not SNAP
    EXPECT_EQ(decode(f, LinkType::fddi, pv), Malformed::l2_unsupported);
}

TEST(Packet, LinkTypeFromPcapDatalink) {
    LinkType l;
    ASSERT_TRUE(link_type_from_dlt(1, l));
    EXPECT_EQ(l, LinkType::ethernet);
    for (int raw : {12, 14, 101}) {
        ASSERT_TRUE(link_type_from_dlt(raw, l));
        EXPECT_EQ(l, LinkType::raw);
    }
    ASSERT_TRUE(link_type_from_dlt(276, l));
    EXPECT_EQ(l, LinkType::linux_sll2);
    EXPECT_FALSE(link_type_from_dlt(105, l)); // 802.11
}
