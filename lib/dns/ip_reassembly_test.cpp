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
