// Steering's note for the worker: the view it hands on must be the one the
// worker would decode itself, and the client it keys must be the one the
// engine accounts the message to.
#include "dataplane/frame_note.hpp"

#include "dns/message.hpp"
#include "dns/test_builders.hpp"

#include <gtest/gtest.h>

using namespace recontap;
using namespace recontap::dns::test;

namespace {

constexpr unsigned kPrefix = 64;

dataplane::FrameNote note_of(const Bytes& frame, dns::DnsPorts ports = {}) {
    dataplane::FrameNote note;
    dataplane::note_frame(frame, dns::LinkType::ethernet, ports, kPrefix, note);
    return note;
}

Bytes response(std::string_view name) {
    Bytes m = dns_query(name, 1);
    m[2] |= 0x80; // QR
    return m;
}

} // namespace

TEST(FrameNote, QueryKeysTheSourceAndResponseTheDestination) {
    auto q = note_of(ethernet(ipv4(udp(dns_query("example.com", 1)), 17, 0, 0, 1, 7, 53), {0x0800}));
    ASSERT_EQ(q.why, dns::Malformed::none);
    ASSERT_TRUE(q.has_client);
    EXPECT_TRUE(q.client.is_source);
    EXPECT_EQ(q.client.ref.key.family, 4);
    EXPECT_EQ(q.client.ref.key.bytes[3], 7);
    EXPECT_EQ(q.client.ref.hash, state::ClientTable::key_hash(q.client.ref.key));

    auto r = note_of(ethernet(ipv4(udp(response("example.com"), 53, 40000), 17, 0, 0, 1, 53, 7), {0x0800}));
    ASSERT_TRUE(r.has_client);
    EXPECT_FALSE(r.client.is_source);
    EXPECT_EQ(r.client.ref.key, q.client.ref.key); // both ends of the exchange land on one client
    EXPECT_EQ(r.client.ref.hash, q.client.ref.hash);
}

TEST(FrameNote, ViewIsWhatDecodePacketGives) {
    Bytes frame = ethernet(ipv6(udp(dns_query("a.example", 28))), {0x8100, 0x0064, 0x86DD});
    auto note = note_of(frame);
    dns::PacketView direct;
    ASSERT_EQ(dns::decode_packet(frame, dns::LinkType::ethernet, direct), dns::Malformed::none);
    EXPECT_EQ(note.view.src, direct.src);
    EXPECT_EQ(note.view.dst, direct.dst);
    EXPECT_EQ(note.view.sport, direct.sport);
    EXPECT_EQ(note.view.payload, direct.payload);
    EXPECT_EQ(note.view.payload_len, direct.payload_len);
    EXPECT_EQ(note.view.vlan_depth, 1);
    // IPv6 clients are keyed on their /64, as the worker's table keys them.
    ASSERT_TRUE(note.has_client);
    EXPECT_EQ(note.client.ref.key, state::ClientTable::make_key(direct.src, kPrefix));
}

TEST(FrameNote, NoClientOffDnsPortsOrWhenHeadersAreBad) {
    auto other = note_of(ethernet(ipv4(udp(dns_query("example.com", 1), 40000, 123)), {0x0800}));
    EXPECT_EQ(other.why, dns::Malformed::none);
    EXPECT_FALSE(other.has_client);

    Bytes cut = ethernet(ipv4(udp(dns_query("example.com", 1))), {0x0800});
    cut.resize(14 + 10); // inside the IPv4 header
    auto bad = note_of(cut);
    EXPECT_NE(bad.why, dns::Malformed::none);
    EXPECT_FALSE(bad.has_client);

    dns::DnsPorts mdns;
    mdns.port[0] = 5353;
    auto on_5353 = note_of(ethernet(ipv4(udp(dns_query("printer.local", 1), 40000, 5353)), {0x0800}), mdns);
    EXPECT_TRUE(on_5353.has_client);
    EXPECT_TRUE(on_5353.client.is_source);
}

TEST(FrameNote, TcpSegmentPeeksQrAfterTheLengthPrefix) {
    Bytes msg = response("example.com");
    Bytes stream;
    put16(stream, uint16_t(msg.size()));
    append(stream, msg);
    // Server to server (both ports 53): only the QR bit says who asked.
    auto note = note_of(ethernet(ipv4(tcp(stream, 1000, 0x18, 53, 53), 6, 0, 0, 1, 9, 8), {0x0800}));
    ASSERT_TRUE(note.has_client);
    EXPECT_FALSE(note.client.is_source); // a response: the destination asked
    EXPECT_EQ(note.client.ref.key.bytes[3], 8);
}

// The engine takes a UDP message's client end from the note as it is
// (Engine::observe): the note must pick the end client_is_source picks from
// the decoded message, in each case the rule tells apart.
TEST(FrameNote, UdpEndIsTheOneTheDecodedMessageGives) {
    struct Case {
        const char* what;
        bool response;
        uint16_t sport, dport;
    } cases[] = {{"query to a server", false, 40000, 53},  {"response from a server", true, 53, 40000},
                 {"query between servers", false, 53, 53}, {"response between servers", true, 53, 53},
                 {"response sent to port 53", true, 40000, 53}};
    const dns::DnsPorts ports;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        Bytes payload = c.response ? response("example.com") : dns_query("example.com", 1);
        auto note = note_of(ethernet(ipv4(udp(payload, c.sport, c.dport), 17, 0, 0, 1, 7, 9), {0x0800}), ports);
        ASSERT_TRUE(note.has_client);
        dns::DnsMessage msg;
        ASSERT_EQ(dns::decode_dns({note.view.payload, note.view.payload_len}, msg), dns::Malformed::none);
        EXPECT_EQ(note.client.is_source, detect::client_is_source(note.view, ports, msg.qr()));
    }
}
