#include "dns/message.hpp"
#include "dns/test_builders.hpp"

#include <gtest/gtest.h>

using namespace recontap::dns;
using namespace recontap::dns::test;

namespace {
Bytes question(std::string_view name, uint16_t qtype, uint16_t qclass = 1) {
    Bytes b = wire_name(name);
    put16(b, qtype);
    put16(b, qclass);
    return b;
}
Bytes opt(uint16_t udp_size, uint8_t ext_rcode, uint8_t version, bool do_bit, const Bytes& options) {
    return rr(41, udp_size, uint32_t(ext_rcode) << 24 | uint32_t(version) << 16 | (do_bit ? 0x8000u : 0u),
              options, {0});
}
} // namespace

TEST(Message, HeaderFieldsAndQuestion) {
    DnsMessage m;
    Bytes msg = dns_header(0xBEEF, 0, 1);
    msg[2] = 0x2D; // 0 0101 1 0 1: QR=0, opcode 5, AA=1, TC=0, RD=1
    msg[3] = 0x73; // RA=0 Z=1 AD=1 CD=1 rcode 3
    append(msg, question("StratoLab.org", 6));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.id, 0xBEEF);
    EXPECT_FALSE(m.qr());
    EXPECT_EQ(m.opcode(), 5);
    EXPECT_TRUE(m.aa());
    EXPECT_FALSE(m.tc());
    EXPECT_TRUE(m.rd());
    EXPECT_FALSE(m.ra());
    EXPECT_TRUE(m.z());
    EXPECT_TRUE(m.ad());
    EXPECT_TRUE(m.cd());
    EXPECT_EQ(m.rcode, 3);
    ASSERT_EQ(m.questions_kept, 1);
    EXPECT_EQ(m.questions[0].name.view(), "StratoLab.org"); // case kept
    EXPECT_EQ(m.questions[0].qtype, 6);
    EXPECT_EQ(m.questions[0].qclass, 1);
    EXPECT_FALSE(m.has_edns);
}

TEST(Message, ShortHeader) {
    DnsMessage m;
    EXPECT_EQ(decode_dns(Bytes(11, 0), m), Malformed::dns_short_header);
    EXPECT_EQ(decode_dns(Bytes{}, m), Malformed::dns_short_header);
}

TEST(Message, ZeroQuestionsIsValid) { // e.g. a TCP follow-up message of a transfer
    DnsMessage m;
    ASSERT_EQ(decode_dns(dns_header(1, 0x8000, 0), m), Malformed::none);
    EXPECT_EQ(m.questions_kept, 0);
}

TEST(Message, ManyQuestionsFirstFourKeptAllValidated) {
    DnsMessage m;
    Bytes msg = dns_header(1, 0, 6);
    for (int i = 0; i < 6; ++i) append(msg, question(std::string(1, char('a' + i)) + ".local", 12));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.qdcount, 6);
    ASSERT_EQ(m.questions_kept, kMaxQuestionsKept);
    EXPECT_EQ(m.questions[3].name.view(), "d.local");
    // A bad fifth question (not kept) is still noticed.
    msg.resize(msg.size() - 3);
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::dns_question_truncated);
}

TEST(Message, CountsLargerThanPacketKeepDecodedQuestions) { // unbound #784, c-ares #1134, dns_fwdptr
    DnsMessage m;
    Bytes msg = dns_header(1, 0x0100, 64259);
    append(msg, question("example.com", 1));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.questions_kept, 1);
    EXPECT_EQ(m.questions[0].name.view(), "example.com");
    EXPECT_EQ(m.section_error, Malformed::dns_count_overflow);

    Bytes resp = dns_header(1, 0x8180, 1, 0xFFFF, 0xE3, 0xFFFF);
    append(resp, question("example.com", 1));
    append(resp, rr(1, 1, 60, {1, 2, 3, 4}));
    ASSERT_EQ(decode_dns(resp, m), Malformed::none);
    EXPECT_EQ(m.answers_decoded, 1);
    EXPECT_EQ(m.answer_a, 1);
    EXPECT_EQ(m.section_error, Malformed::dns_count_overflow);

    EXPECT_EQ(decode_dns(dns_header(1, 0, 2), m), Malformed::dns_count_overflow); // nothing to keep
}

TEST(Message, AnswerSummary) {
    DnsMessage m;
    Bytes msg = dns_header(9, 0x8180, 1, 7);
    append(msg, question("example.com", 255));
    append(msg, rr(1, 1, 60, {1, 2, 3, 4}));
    append(msg, rr(1, 1, 60, {}));          // rdlength 0 (legal in UPDATE): not an address
    append(msg, rr(28, 1, 60, Bytes(16, 0)));
    append(msg, rr(12, 1, 60, wire_name("h.example")));
    append(msg, rr(2, 1, 60, wire_name("ns.example")));
    Bytes soa = wire_name("ns.example");
    append(soa, wire_name("admin.example"));
    soa.resize(soa.size() + 20, 0);
    append(msg, rr(6, 1, 60, soa));
    append(msg, rr(16, 1, 60, {3, 'a', 'b', 'c'})); // TXT in IN: not a disclosure
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_TRUE(m.qr());
    EXPECT_EQ(m.answers_decoded, 7);
    EXPECT_EQ(m.answer_a, 1);
    EXPECT_EQ(m.answer_aaaa, 1);
    EXPECT_EQ(m.answer_ptr, 1);
    EXPECT_EQ(m.answer_ns, 1);
    EXPECT_EQ(m.answer_soa, 1);
    EXPECT_FALSE(m.chaos_txt_answer);
    EXPECT_EQ(m.section_error, Malformed::none);
}

TEST(Message, ChaosVersionBindAnswered) {
    DnsMessage m;
    Bytes msg = dns_header(9, 0x8400, 1, 1);
    append(msg, question("version.bind", 16, 3));
    append(msg, rr(16, 3, 0, {5, '9', '.', '1', '8', 'x'}));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.questions[0].qclass, 3);
    EXPECT_TRUE(m.chaos_txt_answer);
}

TEST(Message, EdnsFieldsAndExtendedRcode) { // dns-badcookie: ext rcode 1 + header 7 = 23
    DnsMessage m;
    Bytes msg = dns_header(3, 0x8187, 1, 0, 0, 1);
    append(msg, question("", 6));
    Bytes cookie = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    append(msg, opt(1232, 1, 0, true, cookie));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_TRUE(m.has_edns);
    EXPECT_TRUE(m.edns_do);
    EXPECT_EQ(m.edns_udp_size, 1232);
    EXPECT_EQ(m.edns_version, 0);
    EXPECT_EQ(m.rcode, 23);
    EXPECT_EQ(m.section_error, Malformed::none);

    Bytes vers = dns_header(4, 0x8180, 1, 0, 0, 1);
    append(vers, question("", 16));
    append(vers, opt(4096, 1, 1, false, {}));
    ASSERT_EQ(decode_dns(vers, m), Malformed::none);
    EXPECT_EQ(m.rcode, 16); // BADVERS
    EXPECT_EQ(m.edns_version, 1);
    EXPECT_FALSE(m.edns_do);
}

TEST(Message, EdnsOptionPastOptRdataIsASectionError) { // zeek dns-edns-bad-length
    DnsMessage m;
    Bytes msg = dns_header(5, 0x8180, 1, 1, 0, 1);
    append(msg, question("example.com", 1));
    append(msg, rr(1, 1, 60, {1, 2, 3, 4}));
    append(msg, opt(512, 0, 0, false, {0, 8, 0, 20, 0, 1, 24, 0})); // ECS claims 20, has 4
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.questions[0].name.view(), "example.com");
    EXPECT_EQ(m.answer_a, 1);
    EXPECT_TRUE(m.has_edns);
    EXPECT_EQ(m.section_error, Malformed::edns_bad_option);
    Bytes half_header = dns_header(5, 0x8180, 1, 0, 0, 1);
    append(half_header, question("example.com", 1));
    append(half_header, opt(512, 0, 0, false, {0, 8}));
    ASSERT_EQ(decode_dns(half_header, m), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::edns_bad_option);
}

TEST(Message, CorruptAdditionalDoesNotHideQuestionOrAnswers) { // suricata #7228
    DnsMessage m;
    Bytes msg = dns_header(6, 0x8180, 1, 2, 0, 1);
    append(msg, question("_sip._udp.sip.voice.google.com", 33));
    Bytes srv = {0, 10, 0, 5, 0x13, 0xC4};
    append(srv, wire_name("sip.google.com"));
    append(msg, rr(33, 1, 60, srv));
    append(msg, rr(33, 1, 60, srv));
    append(msg, {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0}); // additional cut inside its fixed part
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.questions[0].qtype, 33);
    EXPECT_EQ(m.answers_decoded, 2);
    EXPECT_EQ(m.section_error, Malformed::rr_truncated);
}

TEST(Message, RdataPastEnd) { // getdns #549 (3): no silent clamping
    DnsMessage m;
    Bytes msg = dns_header(6, 0x8180, 1, 1);
    append(msg, question("a.com", 64));
    Bytes svcb = rr(64, 1, 60, {0, 1, 0});
    svcb[9] = 0, svcb[10] = 40; // rdlength 40, 3 present
    append(msg, svcb);
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.answers_decoded, 0);
    EXPECT_EQ(m.section_error, Malformed::rr_truncated);
}

TEST(Message, BadOwnerNameInAnswerIsASectionError) {
    DnsMessage m;
    Bytes msg = dns_header(6, 0x8180, 1, 1);
    append(msg, question("a.com", 1));
    append(msg, rr(1, 1, 60, {1, 2, 3, 4}, {0xC0, 0x02}));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::name_pointer_into_header);
}

TEST(Message, ReusedMessageIsReset) {
    DnsMessage m;
    Bytes full = dns_header(1, 0x8180, 1, 1, 0, 1);
    append(full, question("example.com", 1));
    append(full, rr(1, 1, 60, {1, 2, 3, 4}));
    append(full, opt(512, 0, 0, true, {}));
    ASSERT_EQ(decode_dns(full, m), Malformed::none);
    ASSERT_TRUE(m.has_edns);
    ASSERT_EQ(decode_dns(dns_query("b.org", 28), m), Malformed::none);
    EXPECT_FALSE(m.has_edns);
    EXPECT_FALSE(m.edns_do);
    EXPECT_EQ(m.answer_a, 0);
    EXPECT_EQ(m.answers_decoded, 0);
    EXPECT_EQ(m.rcode, 0);
    EXPECT_EQ(m.questions[0].name.view(), "b.org");
}

TEST(Message, TxtStringPastRdlength) {
    DnsMessage m;
    Bytes msg = dns_header(9, 0x8400, 1, 1);
    append(msg, question("version.bind", 16, 3));
    append(msg, rr(16, 3, 0, {9, '9', '.', '1', '8'})); // string claims 9 octets, RDATA has 4
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_FALSE(m.chaos_txt_answer);
    EXPECT_EQ(m.answers_decoded, 0);
    EXPECT_EQ(m.section_error, Malformed::rr_truncated);
    Bytes empty = dns_header(9, 0x8400, 1, 1);
    append(empty, question("version.bind", 16, 3));
    append(empty, rr(16, 3, 0, {0})); // one empty string: legal
    ASSERT_EQ(decode_dns(empty, m), Malformed::none);
    EXPECT_TRUE(m.chaos_txt_answer);
    EXPECT_EQ(m.section_error, Malformed::none);
}

TEST(Message, ClientSubnetPrefixChecked) { // zeek dns-edns-ecs-weirds
    auto with_ecs = [](const Bytes& ecs) {
        Bytes msg = dns_header(5, 0x0100, 1, 0, 0, 1);
        append(msg, question("example.com", 1));
        Bytes option = {0, 8};
        put16(option, uint16_t(ecs.size()));
        append(option, ecs);
        append(msg, opt(512, 0, 0, false, option));
        return msg;
    };
    DnsMessage m;
    ASSERT_EQ(decode_dns(with_ecs({0, 1, 24, 0, 192, 0, 2}), m), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::none);
    ASSERT_EQ(decode_dns(with_ecs({0, 2, 56, 0, 0x20, 1, 0xd, 0xb8, 0, 0, 0}), m), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::none);
    for (const Bytes& bad : {Bytes{0, 1, 32, 0, 192, 0, 2},     // /32 with 3 octets
                             Bytes{0, 1, 255, 0, 192, 0, 2, 1}, // prefix 255 for IPv4
                             Bytes{0, 2, 66, 0, 1, 2, 3, 4, 5, 6, 7}, // /66 needs 9 octets
                             Bytes{0, 1, 0}}) {                 // shorter than the fixed part
        ASSERT_EQ(decode_dns(with_ecs(bad), m), Malformed::none);
        EXPECT_TRUE(m.has_edns);
        EXPECT_EQ(m.section_error, Malformed::edns_bad_option);
    }
}

TEST(Message, SectionsKeepTheirRoles) {
    // Records after the answers are not counted as answers; an OPT among the
    // answers is not EDNS; the first OPT in authority or additional is.
    DnsMessage m;
    Bytes msg = dns_header(7, 0x8180, 1, 2, 1, 3);
    append(msg, question("example.com", 1));
    append(msg, opt(1400, 0, 0, true, {}));          // answer 1: counted, not EDNS
    append(msg, rr(1, 1, 60, {1, 2, 3, 4}));         // answer 2
    append(msg, rr(1, 1, 60, {5, 6, 7, 8}));         // authority: not counted
    append(msg, rr(28, 1, 60, Bytes(16, 0)));        // additional: not counted
    append(msg, opt(1232, 0, 0, false, {}));         // additional: the EDNS
    append(msg, opt(512, 0, 1, true, {}));           // a second OPT: ignored
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.answers_decoded, 2);
    EXPECT_EQ(m.answer_a, 1);
    EXPECT_EQ(m.answer_aaaa, 0);
    EXPECT_TRUE(m.has_edns);
    EXPECT_EQ(m.edns_udp_size, 1232);
    EXPECT_FALSE(m.edns_do);
    EXPECT_EQ(m.edns_version, 0);
    EXPECT_EQ(m.section_error, Malformed::none);
    // An OPT first in the authority section is the EDNS too.
    Bytes auth = dns_header(7, 0x8180, 1, 0, 1, 0);
    append(auth, question("example.com", 1));
    append(auth, opt(4096, 0, 0, true, {}));
    ASSERT_EQ(decode_dns(auth, m), Malformed::none);
    EXPECT_TRUE(m.has_edns);
    EXPECT_EQ(m.edns_udp_size, 4096);
}

TEST(Message, RecordOwnerNamesSkippedWithChecks) {
    // Owners are skipped, not expanded: a pointer (the common case), the
    // root, labels in place, and each way they can be bad.
    auto response = [](const Bytes& owner) {
        Bytes msg = dns_header(8, 0x8180, 1, 1);
        append(msg, question("a.com", 1));
        append(msg, rr(1, 1, 60, {1, 2, 3, 4}, owner));
        return msg;
    };
    DnsMessage m;
    for (const Bytes& good : {Bytes{0xC0, 12}, Bytes{0}, wire_name("b.a.com"), Bytes{1, 'b', 0xC0, 12}}) {
        ASSERT_EQ(decode_dns(response(good), m), Malformed::none);
        EXPECT_EQ(m.answer_a, 1);
        EXPECT_EQ(m.section_error, Malformed::none);
    }
    const std::size_t owner_at = 12 + 11;
    struct Bad {
        Bytes owner;
        Malformed verdict;
    };
    for (const Bad& bad : {Bad{{0xC0, uint8_t(owner_at)}, Malformed::name_pointer_loop},       // itself
                           Bad{{0xC0, 0x0B}, Malformed::name_pointer_into_header},
                           Bad{{0xC1, 0xFF}, Malformed::name_truncated},                      // past the end
                           Bad{{0x40, 0}, Malformed::name_bad_label_type},
                           Bad{{0x80, 0}, Malformed::name_bad_label_type},
                           Bad{{1, 'b', 0xC0, uint8_t(owner_at + 2)}, Malformed::name_pointer_loop}}) {
        ASSERT_EQ(decode_dns(response(bad.owner), m), Malformed::none);
        EXPECT_EQ(m.answers_decoded, 0);
        EXPECT_EQ(m.section_error, bad.verdict);
    }
    // Half a pointer as the last octet of the message.
    Bytes cut = dns_header(8, 0x8180, 1, 1);
    append(cut, question("a.com", 1));
    append(cut, {0xC0});
    ASSERT_EQ(decode_dns(cut, m), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::name_truncated);
}
