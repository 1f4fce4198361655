#include "dns/extractor.hpp"
#include "dns/tcp_reassembly.hpp"
#include "dns/test_builders.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace recontap::dns;
using namespace recontap::dns::test;

namespace {
constexpr uint8_t kAck = 0x10, kSyn = 0x02, kFin = 0x01;

Bytes framed(const Bytes& msg) {
    Bytes b;
    put16(b, uint16_t(msg.size()));
    append(b, msg);
    return b;
}

struct Harness {
    TcpReassembly reasm;
    std::vector<Bytes> got;
    Bytes frame; // keeps the last segment alive while PacketView points into it
    explicit Harness(TcpReassemblyLimits l = {}) : reasm(l) {}

    void segment(const Bytes& payload, uint32_t seq, uint8_t flags = kAck, uint16_t sport = 40000) {
        frame = ipv4(tcp(payload, seq, flags, sport, 53), 6);
        PacketView pv;
        ASSERT_EQ(decode_packet(frame, LinkType::raw, pv), Malformed::none);
        reasm.feed(pv, 1'000'000'000ull * seq, [&](std::span<const uint8_t> m) { got.emplace_back(m.begin(), m.end()); });
    }
};

Bytes q(int i) { return dns_query(std::to_string(i) + ".google.com", 1, uint16_t(i)); }
} // namespace

TEST(TcpReassembly, OneMessagePerSegmentAfterHandshake) {
    Harness h;
    h.segment({}, 99, kSyn);
    Bytes a = framed(q(1));
    h.segment(a, 100);
    ASSERT_EQ(h.got.size(), 1u);
    EXPECT_EQ(h.got[0], q(1));
    EXPECT_EQ(h.reasm.counters().messages, 1u);
    EXPECT_EQ(h.reasm.counters().flows_created, 1u);
    h.segment({}, 100 + uint32_t(a.size()), kFin | kAck);
    EXPECT_EQ(h.reasm.counters().flows_closed, 1u);
    EXPECT_EQ(h.reasm.active_flows(), 0u);
    EXPECT_EQ(h.reasm.counters().segments, 1u);   // the message
    EXPECT_EQ(h.reasm.counters().no_payload, 2u); // SYN and FIN: counted, so the packets add up
}

TEST(TcpReassembly, SeveralMessagesInOneSegment) { // dnsotcp-many1pkt, multirequest-buffer
    Harness h;
    Bytes seg;
    for (int i = 0; i < 20; ++i) append(seg, framed(q(i)));
    h.segment(seg, 1);
    ASSERT_EQ(h.got.size(), 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(h.got[i], q(i));
    EXPECT_EQ(h.reasm.counters().segments, 1u);
}

TEST(TcpReassembly, MessageSplitAcrossSegmentsAndPrefixSplitInTwo) { // dnsproxy #526, dns-inverse-query
    Harness h;
    Bytes stream;
    for (int i = 0; i < 3; ++i) append(stream, framed(q(i)));
    // Cut at every position pair: 1 byte (half a prefix), mid-message, and the rest.
    for (std::size_t cut1 = 1; cut1 + 1 < stream.size(); cut1 += 7) {
        Harness k;
        std::size_t cut2 = std::min(stream.size() - 1, cut1 + 13);
        uint32_t seq = 5000;
        k.segment(Bytes(stream.begin(), stream.begin() + cut1), seq);
        k.segment(Bytes(stream.begin() + cut1, stream.begin() + cut2), seq + uint32_t(cut1));
        k.segment(Bytes(stream.begin() + cut2, stream.end()), seq + uint32_t(cut2));
        ASSERT_EQ(k.got.size(), 3u) << "cut " << cut1;
        for (int i = 0; i < 3; ++i) EXPECT_EQ(k.got[i], q(i)) << "cut " << cut1;
    }
    h.segment(Bytes{0}, 1);
    h.segment(Bytes{uint8_t(q(7).size())}, 2);
    h.segment(q(7), 3);
    ASSERT_EQ(h.got.size(), 1u);
    EXPECT_EQ(h.got[0], q(7));
}

TEST(TcpReassembly, RetransmissionIgnored) {
    Harness h;
    Bytes a = framed(q(1)), b = framed(q(2));
    h.segment(a, 10);
    h.segment(a, 10); // exact retransmission
    Bytes ab = a;
    append(ab, b);
    h.segment(ab, 10); // overlaps: only b is new
    ASSERT_EQ(h.got.size(), 2u);
    EXPECT_EQ(h.got[1], q(2));
    EXPECT_EQ(h.reasm.counters().retransmissions, 2u);
}

TEST(TcpReassembly, GapDropsPartialMessageAndResyncs) { // dns-tcp-ts-gap, dnso1tcp-midmiss
    Harness h;
    Bytes a = framed(q(1)), b = framed(q(2)), c = framed(q(3));
    h.segment(Bytes(a.begin(), a.begin() + 10), 100); // first part of a
    // The rest of a and all of b are lost; c arrives at its own sequence
    // number and is held, in case the gap fills (segments swapped in flight).
    const uint32_t c_seq = 100 + uint32_t(a.size() + b.size());
    h.segment(c, c_seq);
    EXPECT_TRUE(h.got.empty());
    EXPECT_EQ(h.reasm.partial_messages(), 1u);
    // The next segment past the gap too: the missing bytes are lost, and the
    // stream resumes at c.
    h.segment(framed(q(4)), c_seq + uint32_t(c.size()));
    ASSERT_EQ(h.got.size(), 2u);
    EXPECT_EQ(h.got[0], q(3));
    EXPECT_EQ(h.got[1], q(4));
    EXPECT_EQ(h.reasm.counters().seq_gaps, 1u);
}

// Two segments swapped in flight: the early one is held, the late one fills
// the gap, and every message comes out in order. Taking the early one as a
// message start read a length from the middle of a name and lost the rest
// of the connection (1,000 queued queries, no alert: a second attack round).
TEST(TcpReassembly, SwappedSegmentsAreReordered) {
    Harness h;
    Bytes stream;
    for (int i = 1; i <= 3; ++i) append(stream, framed(q(i)));
    const std::size_t cut = 7; // inside the first message's name
    h.segment({}, 99, kSyn);
    h.segment(Bytes(stream.begin() + cut, stream.end()), 100 + cut); // the second segment first
    EXPECT_TRUE(h.got.empty());
    h.segment(Bytes(stream.begin(), stream.begin() + cut), 100);
    ASSERT_EQ(h.got.size(), 3u);
    for (int i = 1; i <= 3; ++i) EXPECT_EQ(h.got[std::size_t(i - 1)], q(i));
    EXPECT_EQ(h.reasm.counters().seq_gaps, 0u);
    EXPECT_EQ(h.reasm.partial_messages(), 0u);
}

// A held segment whose gap never fills is delivered when the flow ends.
TEST(TcpReassembly, HeldSegmentIsDeliveredAtFin) {
    Harness h;
    Bytes a = framed(q(1)), b = framed(q(2));
    h.segment({}, 99, kSyn);
    h.segment(b, 100 + uint32_t(a.size())); // a is lost
    EXPECT_TRUE(h.got.empty());
    h.segment({}, 100 + uint32_t(a.size() + b.size()), kFin | kAck);
    ASSERT_EQ(h.got.size(), 1u);
    EXPECT_EQ(h.got[0], q(2));
    EXPECT_EQ(h.reasm.counters().seq_gaps, 1u);
}

TEST(TcpReassembly, BadLengthPrefixDropsRestOfSegment) {
    Harness h;
    Bytes seg = {0, 5, 1, 2, 3, 4, 5};
    append(seg, framed(q(1)));
    h.segment(seg, 1);
    EXPECT_TRUE(h.got.empty());
    EXPECT_EQ(h.reasm.counters().bad_length, 1u);
    h.segment(framed(q(2)), 1 + uint32_t(seg.size()));
    ASSERT_EQ(h.got.size(), 1u);
    EXPECT_EQ(h.got[0], q(2));
}

TEST(TcpReassembly, OversizeMessageDeliversPrefix) {
    Harness h(TcpReassemblyLimits{16, 64, 60'000'000'000ull});
    Bytes big = dns_header(1, 0x8000, 1);
    append(big, wire_name("example.com"));
    big.resize(300, 0xAB);
    Bytes seg = framed(big);
    h.segment(Bytes(seg.begin(), seg.begin() + 100), 1);
    h.segment(Bytes(seg.begin() + 100, seg.end()), 101);
    ASSERT_EQ(h.got.size(), 1u);
    EXPECT_EQ(h.got[0].size(), 62u);
    EXPECT_EQ(Bytes(big.begin(), big.begin() + 62), h.got[0]);
    EXPECT_EQ(h.reasm.counters().messages_truncated, 1u);
}

TEST(TcpReassembly, FullTableEvictsAndCounts) {
    Harness h(TcpReassemblyLimits{8, 64, 1'000'000'000'000'000ull});
    Bytes a = framed(q(1));
    Bytes half(a.begin(), a.begin() + 5);
    for (uint16_t port = 1000; port < 1100; ++port) h.segment(half, 1, kAck, port);
    EXPECT_EQ(h.reasm.counters().flows_created, 100u);
    EXPECT_GT(h.reasm.counters().flows_evicted, 0u);
    EXPECT_LE(h.reasm.active_flows(), 8u);
    EXPECT_TRUE(h.got.empty());
}

// A flow idle past the timeout mid-message loses that message when its slot
// is reused: counted as cut, so no partial message leaves without a count.
TEST(TcpReassembly, PartialMessageOfAnExpiredFlowIsCountedWhenItsSlotIsReused) {
    Harness h(TcpReassemblyLimits{8, 64, 1'000'000'000ull}); // 8 flows, idle after 1 s
    Bytes a = framed(q(1));
    Bytes half(a.begin(), a.begin() + 5);
    for (uint16_t port = 1000; port < 1008; ++port) h.segment(half, 1, kAck, port); // at 1 s
    EXPECT_EQ(h.reasm.partial_messages(), 8u);
    for (uint16_t port = 2000; port < 2100; ++port) h.segment(a, 1000, kAck, port); // at 1000 s, whole
    EXPECT_EQ(h.got.size(), 100u);
    EXPECT_EQ(h.reasm.partial_messages(), 0u);
    EXPECT_EQ(h.reasm.counters().messages_cut, 8u);
}

// A message whose length prefix promised more than came before FIN (or RST,
// or a new SYN on the same 4-tuple) is dropped and counted, not forgotten.
TEST(TcpReassembly, MessageCutByFinOrNewSynIsCounted) {
    Harness h;
    Bytes whole = framed(q(1));
    Bytes head(whole.begin(), whole.begin() + 12);
    h.segment({}, 99, kSyn);
    h.segment(head, 100);
    EXPECT_EQ(h.reasm.partial_messages(), 1u); // begun, not whole
    h.segment({}, 100 + uint32_t(head.size()), kFin | kAck);
    EXPECT_EQ(h.reasm.partial_messages(), 0u);
    EXPECT_TRUE(h.got.empty());
    EXPECT_EQ(h.reasm.counters().messages_cut, 1u);
    h.segment({}, 499, kSyn); // the same 4-tuple again: a new connection
    h.segment(head, 500);
    h.segment({}, 999, kSyn); // restarted mid-message
    EXPECT_EQ(h.reasm.counters().messages_cut, 2u);
    h.segment(whole, 1000);
    h.segment({}, 1000 + uint32_t(whole.size()), kFin | kAck); // a whole message, then FIN: nothing cut
    ASSERT_EQ(h.got.size(), 1u);
    EXPECT_EQ(h.reasm.counters().messages_cut, 2u);
}

// What reassembly drops reaches the extractor's on_reject with its reason,
// so the data plane counts it among the malformed (stats.json, the CLI).
TEST(TcpReassembly, ExtractorRejectsBadLengthsAndCutMessages) {
    MessageExtractor ex;
    std::vector<Malformed> rejected;
    int messages = 0;
    auto feed = [&](const Bytes& payload, uint32_t seq, uint8_t flags, uint16_t sport) {
        Bytes frame = ipv4(tcp(payload, seq, flags, sport, 53), 6);
        ex.feed(frame, LinkType::raw, seq, [&](const PacketView&, std::span<const uint8_t>) { ++messages; },
                [&](Malformed m, const PacketView&) { rejected.push_back(m); });
    };
    feed({0, 5, 1, 2, 3, 4, 5}, 1, kAck, 41000); // length prefix 5
    Bytes whole = framed(q(7));
    feed(Bytes(whole.begin(), whole.begin() + 10), 1, kAck, 42000);
    feed({}, 11, kFin | kAck, 42000);
    EXPECT_EQ(messages, 0);
    EXPECT_EQ(rejected, (std::vector<Malformed>{Malformed::tcp_bad_length, Malformed::tcp_message_cut}));
    EXPECT_EQ(ex.counters().rejected, 2u);
}
