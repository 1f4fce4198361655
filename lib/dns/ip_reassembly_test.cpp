#include "dns/ip_reassembly.hpp"
#include "dns/test_builders.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace recontap::dns;
using namespace recontap::dns::test;

namespace {
struct Harness {
    IpReassembly reasm;
    std::vector<Bytes> payloads;
    std::vector<Malformed> verdicts;
    explicit Harness(IpReassemblyLimits l = {}) : reasm(l) {}

    // Cuts udp(payload) into IPv4 fragments of `step` octets and feeds them in `order`.
    void fragments(const Bytes& datagram, std::size_t step, std::vector<std::size_t> order, uint16_t id = 5) {
        std::vector<Bytes> frames;
        for (std::size_t off = 0; off < datagram.size(); off += step) {
            std::size_t end = std::min(datagram.size(), off + step);
            uint16_t frag = uint16_t(off / 8) | (end < datagram.size() ? 0x2000 : 0);
            frames.push_back(ipv4(Bytes(datagram.begin() + off, datagram.begin() + end), 17, 0, frag, id));
        }
        if (order.empty())
            for (std::size_t i = 0; i < frames.size(); ++i) order.push_back(i);
        for (std::size_t i : order) {
            PacketView pv;
            Malformed m = decode_packet(frames[i], LinkType::ipv4, pv);
            ASSERT_TRUE(pv.is_fragment);
            ASSERT_TRUE(m == Malformed::none || m == Malformed::ip_fragment_non_first);
            reasm.feed(pv, 1000, [&](Malformed v, const PacketView& whole) {
                verdicts.push_back(v);
                payloads.emplace_back(whole.payload, whole.payload + whole.payload_len);
                EXPECT_EQ(whole.dport, 53);
                EXPECT_EQ(whole.src.bytes[3], 1);
            });
        }
    }
};
} // namespace

TEST(IpReassembly, TinyFragmentsInOrder) { // dnscap frags.pcap: 24-octet fragments
    Harness h;
    Bytes msg = dns_query("206.218.58.216.in-addr.arpa", 12);
    h.fragments(udp(msg), 24, {});
    ASSERT_EQ(h.payloads.size(), 1u);
    EXPECT_EQ(h.verdicts[0], Malformed::none);
    EXPECT_EQ(h.payloads[0], msg);
    EXPECT_EQ(h.reasm.pending(), 0u);
    EXPECT_EQ(h.reasm.counters().datagrams, 1u);
}

TEST(IpReassembly, OutOfOrderAndDuplicates) {
    Harness h;
    Bytes msg = dns_query("txtpadding_3230.n1.netalyzr.icsi.berkeley.edu", 16);
    Bytes dgram = udp(msg);
    std::size_t n = (dgram.size() + 15) / 16;
    std::vector<std::size_t> order;
    for (std::size_t i = n; i-- > 0;) order.push_back(i); // last first
    order.insert(order.begin() + 1, n - 1);               // a duplicate
    h.fragments(dgram, 16, order);
    ASSERT_EQ(h.payloads.size(), 1u);
    EXPECT_EQ(h.payloads[0], msg);
}

TEST(IpReassembly, IncompleteDatagramNeverDelivered) {
    Harness h;
    Bytes dgram = udp(dns_query("example.com", 1));
    h.fragments(dgram, 8, {0, 2, 3}); // fragment 1 lost
    EXPECT_TRUE(h.payloads.empty());
    EXPECT_EQ(h.reasm.pending(), 1u);
}

TEST(IpReassembly, TooBigAndBadFragmentsCounted) {
    Harness h(IpReassemblyLimits{8, 64, 30'000'000'000ull});
    Bytes big = udp(Bytes(200, 7));
    h.fragments(big, 40, {});
    EXPECT_TRUE(h.payloads.empty());
    EXPECT_GT(h.reasm.counters().too_big, 0u);
    Harness odd;
    Bytes dgram = udp(dns_query("example.com", 1));
    PacketView pv;
    Bytes frame = ipv4(Bytes(dgram.begin(), dgram.begin() + 13), 17, 0, 0x2000, 9); // MF with 13 octets
    decode_packet(frame, LinkType::ipv4, pv);
    odd.reasm.feed(pv, 1, [&](Malformed, const PacketView&) { FAIL(); });
    EXPECT_EQ(odd.reasm.counters().bad_fragment, 1u);
}

// A datagram whose first fragment never came, but whose last fragment and a
// fragment past its end did: the block past the end must not stand in for
// the missing start (an earlier datagram with the same id left its bytes in
// the slot; they were handed on as this one's UDP header).
TEST(IpReassembly, FragmentPastTheEndNeverCompletesADatagram) {
    Harness h;
    Bytes msg = dns_query("example.com", 1);
    Bytes dgram = udp(msg);
    h.fragments(dgram, 16, {}, 7); // datagram A, complete
    ASSERT_EQ(h.payloads.size(), 1u);
    Bytes past(16, 0xEE);
    Bytes tail(dgram.begin() + 8, dgram.end());
    for (const Bytes& frame : {ipv4(past, 17, 0, uint16_t(0x2000 | 16), 7),        // offset 128, MF
                               ipv4(tail, 17, 0, 1, 7)}) {                          // offset 8, last
        PacketView pv;
        decode_packet(frame, LinkType::ipv4, pv);
        h.reasm.feed(pv, 2000, [&](Malformed, const PacketView&) { ADD_FAILURE() << "datagram B handed on"; });
    }
    EXPECT_EQ(h.payloads.size(), 1u);
    EXPECT_EQ(h.reasm.counters().bad_fragment, 1u);
}

// RFC 8200 allows extension headers after the Fragment header (they belong
// to the fragmented part): reassembly walks them before the UDP header.
TEST(IpReassembly, Ipv6DestinationOptionsAfterTheFragmentHeader) {
    Bytes msg = dns_query("www.example.com", 28);
    Bytes dest(16, 0);
    dest[0] = 17; // next: UDP
    dest[1] = 1;  // (1+1)*8 = 16 octets
    Bytes fragmented = dest;
    append(fragmented, udp(msg));
    IpReassembly reasm;
    std::vector<Bytes> got;
    const std::size_t cut = 40; // first fragment: options, UDP header, part of the message
    for (int i = 0; i < 2; ++i) {
        Bytes frag_hdr(8, 0);
        std::size_t off = i == 0 ? 0 : cut;
        frag_hdr[2] = uint8_t(off >> 8);
        frag_hdr[3] = uint8_t((off & 0xF8) | (i == 0 ? 1 : 0)); // M on the first
        frag_hdr[7] = 42;
        Bytes part(fragmented.begin() + std::ptrdiff_t(off), i == 0 ? fragmented.begin() + cut : fragmented.end());
        Bytes frame = ipv6(part, 60, {{44, frag_hdr}});
        PacketView pv;
        Malformed m = decode_packet(frame, LinkType::raw, pv);
        ASSERT_EQ(m, i == 0 ? Malformed::none : Malformed::ip_fragment_non_first);
        EXPECT_EQ(pv.ip_proto, 60); // every fragment keyed alike: the header after the Fragment header
        if (i == 0) {
            EXPECT_EQ(pv.dport, 53); // the first fragment's ports, past its options
        }
        reasm.feed(pv, 1, [&](Malformed v, const PacketView& whole) {
            EXPECT_EQ(v, Malformed::none);
            EXPECT_EQ(whole.ip_proto, 17);
            EXPECT_EQ(whole.dport, 53);
            got.emplace_back(whole.payload, whole.payload + whole.payload_len);
        });
    }
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], msg);
}

// Later fragments of ICMP (or GRE, ESP) cannot be DNS: not held for a
// reassembly that would count them as drops.
TEST(IpReassembly, LaterFragmentsOfOtherProtocolsAreNotDns) {
    PacketView pv;
    EXPECT_EQ(decode_packet(ipv4(Bytes(64, 1), 1, 0, 8, 3), LinkType::ipv4, pv), Malformed::l2_unsupported);
    Bytes frag_hdr(8, 0);
    frag_hdr[3] = 64; // offset 64, last
    EXPECT_EQ(decode_packet(ipv6(Bytes(64, 1), 58, {{44, frag_hdr}}), LinkType::raw, pv), Malformed::l2_unsupported);
    EXPECT_EQ(decode_packet(ipv4(Bytes(64, 1), 17, 0, 8, 3), LinkType::ipv4, pv), Malformed::ip_fragment_non_first);
}

// The same source, destination and IP id ten minutes later is another
// datagram: a held fragment of the old one has expired and must not fill the
// new one's missing middle.
TEST(IpReassembly, AnExpiredDatagramsBytesDoNotFillANewOnesGap) {
    IpReassembly reasm(IpReassemblyLimits{64, 16384, 30'000'000'000ull});
    Bytes dgram = udp(dns_query("old-and-new.example.com", 1));
    ASSERT_GE(dgram.size(), 24u);
    auto feed = [&](std::size_t from, std::size_t to, bool more, uint64_t ts) {
        Bytes frame = ipv4(Bytes(dgram.begin() + std::ptrdiff_t(from), dgram.begin() + std::ptrdiff_t(to)), 17, 0,
                           uint16_t(from / 8) | (more ? 0x2000 : 0), 600);
        PacketView pv;
        decode_packet(frame, LinkType::ipv4, pv);
        reasm.feed(pv, ts, [&](Malformed, const PacketView&) { ADD_FAILURE() << "completed with stale bytes"; });
    };
    feed(8, 16, true, 1'000'000'000ull);                 // the old datagram's middle, at 1 s
    feed(0, 8, true, 601'000'000'000ull);                // the new one's start, 600 s later
    feed(16, dgram.size(), false, 601'000'000'001ull);   // and its end: its middle never came
    EXPECT_EQ(reasm.counters().expired, 1u);
    EXPECT_EQ(reasm.pending(), 1u);
}
