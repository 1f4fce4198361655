// Name decoding hazards: RFC 9267 and ../shared/corpus/BUG_CORPUS.md classes.
#include "dns/message.hpp"
#include "dns/test_builders.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace recontap::dns;
using namespace recontap::dns::test;

namespace {
// Header with qdcount 1 followed by `body` (name bytes then whatever).
Malformed decode_question(const Bytes& body, DnsMessage& m, uint16_t qd = 1) {
    Bytes msg = dns_header(1, 0x0100, qd);
    append(msg, body);
    return decode_dns(msg, m);
}
Bytes with_type(Bytes name) {
    put16(name, 1);
    put16(name, 1);
    return name;
}
} // namespace

TEST(Name, SelfPointerIsALoop) { // zlip-1, zeek dns-invalid-names #2, hickory C00C
    DnsMessage m;
    EXPECT_EQ(decode_question(with_type({0xC0, 0x0C}), m), Malformed::name_pointer_loop);
}

TEST(Name, LabelThenPointerBackToItsStartIsALoop) { // zlip-3, PcapPlusPlus #508
    DnsMessage m;
    Bytes body = {3, 'a', 'b', 'c', 0xC0, 0x0C};
    EXPECT_EQ(decode_question(with_type(body), m), Malformed::name_pointer_loop);
}

TEST(Name, MutualPointersStopAtTheHopBound) { // libtins #443
    DnsMessage m;
    // Q1 name at 12: pointer to 18. Q1 type/class at 14..17. At 18: pointer to 12.
    Bytes body = {0xC0, 18, 0, 1, 0, 1, 0xC0, 12};
    EXPECT_EQ(decode_question(body, m), Malformed::name_pointer_loop);
}

TEST(Name, PointerIntoHeaderRejected) { // zlip-2, getdns #549, unbound #464
    DnsMessage m;
    EXPECT_EQ(decode_question(with_type({0xC0, 0x05}), m), Malformed::name_pointer_into_header);
    // Via a forward pointer to another pointer (zlip-2's exact shape).
    EXPECT_EQ(decode_question({0xC0, 0x0E, 0xC0, 0x07, 0, 1, 0, 1}, m), Malformed::name_pointer_into_header);
}

TEST(Name, LegitimateForwardPointerFollowedAndCounted) { // suricata #8584
    DnsMessage m;
    // Q1 at 12: pointer to Q2's name at 18. Q2: codemonkey.net A IN.
    Bytes body = {0xC0, 18, 0, 1, 0, 1};
    append(body, with_type(wire_name("codemonkey.net")));
    ASSERT_EQ(decode_question(body, m, 2), Malformed::none);
    ASSERT_EQ(m.questions_kept, 2);
    EXPECT_EQ(m.questions[0].name.view(), "codemonkey.net");
    EXPECT_EQ(m.questions[1].name.view(), "codemonkey.net");
    EXPECT_EQ(m.questions[0].qtype, 1);
    EXPECT_EQ(m.forward_pointers, 1);
    EXPECT_EQ(m.section_error, Malformed::none);
}

TEST(Name, PointerToPointerChainDecodes) { // ocaml-dns #127, zeek max-compression-depth
    DnsMessage m;
    // Q1: example.com. Q2..: each name a pointer to the previous pointer.
    Bytes body = with_type(wire_name("example.com"));            // name at 12, ends at 25, q ends 29
    append(body, with_type({3, 'w', 'w', 'w', 0xC0, 12}));       // at 29
    append(body, with_type({0xC0, 29}));                          // at 39
    append(body, with_type({0xC0, 39}));                          // at 45: pointer -> pointer -> label+pointer
    ASSERT_EQ(decode_question(body, m, 4), Malformed::none);
    ASSERT_EQ(m.questions_kept, 4);
    EXPECT_EQ(m.questions[3].name.view(), "www.example.com");
    EXPECT_EQ(m.questions[3].name.labels, 3);
    EXPECT_EQ(m.forward_pointers, 0);
}

TEST(Name, ReservedLabelTypesRejected) { // tcpdump 92d636a, PowerDNS #4851, rustnet #433
    DnsMessage m;
    Bytes b40 = {3, 'a', 'b', 'c', 0x40};
    b40.insert(b40.end(), 64, 'x');
    EXPECT_EQ(decode_question(with_type(b40), m), Malformed::name_bad_label_type);
    Bytes b80 = {0x80, 1, 0};
    EXPECT_EQ(decode_question(with_type(b80), m), Malformed::name_bad_label_type);
}

TEST(Name, Legal253CharNameOf127OneCharLabels) { // PacketQ #109 family: legal long names decode
    DnsMessage m;
    std::string dotted;
    for (int i = 0; i < 127; ++i) dotted += i ? ".a" : "a";
    ASSERT_EQ(dotted.size(), 253u);
    ASSERT_EQ(decode_question(with_type(wire_name(dotted)), m), Malformed::none);
    EXPECT_EQ(m.questions[0].name.view(), dotted);
    EXPECT_EQ(m.questions[0].name.labels, 127);
}

TEST(Name, FourLabelsOf63IsTooLong) { // 4*64+1 = 257 wire octets
    DnsMessage m;
    std::string l(63, 'x');
    EXPECT_EQ(decode_question(with_type(wire_name(l + "." + l + "." + l + "." + l)), m), Malformed::name_too_long);
    // 3*64 + 62+1 + 1 = 256: one octet over.
    EXPECT_EQ(decode_question(with_type(wire_name(l + "." + l + "." + l + "." + std::string(62, 'y'))), m),
              Malformed::name_too_long);
    // 3*64 + 61+1 + 1 = 255: exactly the limit.
    ASSERT_EQ(decode_question(with_type(wire_name(l + "." + l + "." + l + "." + std::string(61, 'y'))), m),
              Malformed::none);
    EXPECT_EQ(m.questions[0].name.len, 253);
}

TEST(Name, NameGrownThroughPointersPast255IsTooLong) { // suricata #7280 amplification
    DnsMessage m;
    std::string l(60, 'x');
    Bytes body = with_type(wire_name(l + "." + l + "." + l)); // 184 wire octets at 12
    Bytes second = {60};
    second.insert(second.end(), 60, 'y');
    append(second, {60});
    second.insert(second.end(), 60, 'z');
    append(second, {0xC0, 12});
    append(body, with_type(second));
    ASSERT_EQ(decode_question(body, m, 2), Malformed::none); // the first question stands
    EXPECT_EQ(m.questions_kept, 1);
    EXPECT_EQ(m.section_error, Malformed::name_too_long);
}

TEST(Name, LongIp6ArpaPtrDecodes) { // libtins #551: 34 labels are not pointer hops
    DnsMessage m;
    std::string name;
    for (int i = 0; i < 32; ++i) name += "f.";
    name += "ip6.arpa";
    Bytes msg = dns_header(7, 0x8180, 1, 1);
    append(msg, wire_name(name));
    put16(msg, 12);
    put16(msg, 1);
    append(msg, rr(12, 1, 60, wire_name("host.example")));
    ASSERT_EQ(decode_dns(msg, m), Malformed::none);
    EXPECT_EQ(m.questions[0].name.view(), name);
    EXPECT_EQ(m.questions[0].name.labels, 34);
    EXPECT_EQ(m.answer_ptr, 1);
    EXPECT_EQ(m.section_error, Malformed::none);
}

TEST(Name, LabelPastEndAndUnterminated) { // zeek #5358 (a), (c); libevent CVE-2016-10195
    DnsMessage m;
    EXPECT_EQ(decode_question({3, 'a'}, m), Malformed::name_truncated);
    EXPECT_EQ(decode_question({3, 'a', 'b', 'c'}, m), Malformed::name_truncated);
    EXPECT_EQ(decode_question({0xC0}, m), Malformed::name_truncated); // half a pointer
    EXPECT_EQ(decode_question({0xC0, 0x40}, m), Malformed::name_truncated); // pointer past the end
}

TEST(Name, QuestionCutAfterName) { // PowerDNS #4718
    DnsMessage m;
    Bytes body = wire_name("example.com");
    append(body, {0, 1, 0});
    EXPECT_EQ(decode_question(body, m), Malformed::dns_question_truncated);
}

TEST(Name, RootName) {
    DnsMessage m;
    ASSERT_EQ(decode_question(with_type({0}), m), Malformed::none);
    EXPECT_EQ(m.questions[0].name.len, 0);
    EXPECT_EQ(m.questions[0].name.labels, 0);
}

TEST(Name, BytesKeptExactAndEscapedForOutput) { // suricata PR 2771, zeek ecs-bad (NUL in label)
    DnsMessage m;
    Bytes body = {5, 'a', 0, '\t', '"', 0xFF, 2, '\\', 'b', 0};
    ASSERT_EQ(decode_question(with_type(body), m), Malformed::none);
    std::string_view v = m.questions[0].name.view();
    ASSERT_EQ(v.size(), 8u);
    EXPECT_EQ(v[1], '\0');
    EXPECT_EQ(uint8_t(v[4]), 0xFF);
    char out[64];
    std::size_t n = escape_name(v, out, sizeof out);
    EXPECT_EQ(std::string_view(out, n), "a\\000\\009\\034\\255.\\092b");
    // Truncation never splits an escape.
    n = escape_name(v, out, 3);
    EXPECT_EQ(std::string_view(out, n), "a");
}

TEST(Name, NamesNotKeptAreSkippedInPlaceWithRangeChecks) {
    DnsMessage m;
    Bytes body;
    for (int i = 0; i < kMaxQuestionsKept; ++i) append(body, with_type(wire_name("a.example")));
    Bytes bad_later = body;
    append(bad_later, with_type({1, 'b', 0xC0, 0x03})); // fifth question: pointer into the header
    ASSERT_EQ(decode_question(bad_later, m, kMaxQuestionsKept + 1), Malformed::none);
    EXPECT_EQ(m.questions_kept, kMaxQuestionsKept);
    EXPECT_EQ(m.section_error, Malformed::name_pointer_into_header);

    Bytes self = body;
    std::size_t at = 12 + self.size();
    append(self, with_type({0xC0, uint8_t(at)})); // fifth question points at itself
    ASSERT_EQ(decode_question(self, m, kMaxQuestionsKept + 1), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::name_pointer_loop);

    Bytes reserved = body;
    append(reserved, with_type({0x80, 0}));
    ASSERT_EQ(decode_question(reserved, m, kMaxQuestionsKept + 1), Malformed::none);
    EXPECT_EQ(m.section_error, Malformed::name_bad_label_type);
}

// The reader checks a run of in-place labels, then copies it at once and turns
// its length octets into dots: these pin the edges of that scheme.

TEST(Name, EveryTextLengthCopiedExactly) { // copy sizes 1..253, many labels and one
    DnsMessage m;
    for (std::size_t len = 1; len <= 253; ++len) {
        std::string dotted;
        for (std::size_t i = 0; i < len; ++i) dotted += (i % 7 == 6 && i + 1 < len) ? '.' : char('a' + i % 26);
        ASSERT_EQ(decode_question(with_type(wire_name(dotted)), m), Malformed::none) << len;
        EXPECT_EQ(m.questions[0].name.view(), dotted);
        if (len > 63) continue;
        std::string one(len, 'q');
        one[0] = 'A';
        one[len - 1] = 'Z';
        ASSERT_EQ(decode_question(with_type(wire_name(one)), m), Malformed::none) << len;
        EXPECT_EQ(m.questions[0].name.view(), one);
        EXPECT_EQ(m.questions[0].name.labels, 1);
    }
}

TEST(Name, SixtyThreeOctetLabelKeptSixtyFourIsAReservedType) {
    DnsMessage m;
    std::string l63(63, 'x');
    ASSERT_EQ(decode_question(with_type(wire_name("a." + l63 + ".b")), m), Malformed::none);
    EXPECT_EQ(m.questions[0].name.view(), "a." + l63 + ".b");
    EXPECT_EQ(m.questions[0].name.labels, 3);
    Bytes l64 = {1, 'a', 64};
    l64.insert(l64.end(), 64, 'x');
    append(l64, {0});
    EXPECT_EQ(decode_question(with_type(l64), m), Malformed::name_bad_label_type);
}

TEST(Name, LabelsEndingAtTheSpanEnd) {
    DnsMessage m;
    // The last label fills the span: no room for the root octet.
    EXPECT_EQ(decode_question({3, 'w', 'w', 'w', 2, 'a', 'b'}, m), Malformed::name_truncated);
    // The last label runs one octet past the span.
    EXPECT_EQ(decode_question({3, 'w', 'w', 'w', 3, 'a', 'b'}, m), Malformed::name_truncated);
    // The root octet is the last octet of the span: the name stands, the
    // question's type and class are missing.
    EXPECT_EQ(decode_question({3, 'w', 'w', 'w', 2, 'a', 'b', 0}, m), Malformed::dns_question_truncated);
    // A run reached by a pointer whose root is the span's last octet.
    Bytes body = {0xC0, 18, 0, 1, 0, 1, 3, 'w', 'w', 'w', 2, 'a', 'b', 0};
    ASSERT_EQ(decode_question(body, m), Malformed::none);
    EXPECT_EQ(m.questions[0].name.view(), "www.ab");
    // ... and the same run one octet short.
    body.pop_back();
    EXPECT_EQ(decode_question(body, m), Malformed::name_truncated);
}

TEST(Name, TooLongReportedBeforeTruncatedAsLabelByLabel) {
    DnsMessage m;
    std::string l63(63, 'x');
    // Four 63-octet labels: the fourth passes 255 octets and also runs past
    // the span's end; the length is the first fault a label-by-label reader meets.
    Bytes body = wire_name(l63 + "." + l63 + "." + l63 + "." + l63);
    body.resize(body.size() - 10);
    EXPECT_EQ(decode_question(body, m), Malformed::name_too_long);
    // Cut inside the third label (still within 255): truncated.
    body.resize(64 * 2 + 10);
    EXPECT_EQ(decode_question(body, m), Malformed::name_truncated);
}

TEST(Name, LengthLimitCountedAcrossPointerJumps) {
    DnsMessage m;
    std::string l63(63, 'x');
    // Q1 at 12 holds "y{61}.x{63}" (126 wire octets without its root).
    // Q2: two 63-octet labels then a pointer to Q1: 64+64+126+1 = 255 octets.
    Bytes body = with_type(wire_name(std::string(61, 'y') + "." + l63));
    Bytes second = wire_name(l63 + "." + l63);
    second.back() = 0xC0;
    second.push_back(12);
    append(body, with_type(second));
    ASSERT_EQ(decode_question(body, m, 2), Malformed::none);
    ASSERT_EQ(m.questions_kept, 2);
    EXPECT_EQ(m.questions[1].name.len, 253);
    EXPECT_EQ(m.questions[1].name.view(), l63 + "." + l63 + "." + std::string(61, 'y') + "." + l63);
    EXPECT_EQ(m.questions[1].name.labels, 4);
    // One octet more in Q1's first label: 256.
    Bytes over = with_type(wire_name(std::string(62, 'y') + "." + l63));
    append(over, with_type(second));
    ASSERT_EQ(decode_question(over, m, 2), Malformed::none);
    EXPECT_EQ(m.questions_kept, 1);
    EXPECT_EQ(m.section_error, Malformed::name_too_long);
}

TEST(Name, RunsJoinedWithDotsAcrossPointers) {
    DnsMessage m;
    // Q1 "b.c.example" at 12. Q2 "x.y" + pointer to Q1's "c.example" (at 14).
    Bytes body = with_type(wire_name("b.c.example"));
    append(body, with_type({1, 'x', 1, 'y', 0xC0, 14}));
    // Q3: a pointer straight to Q2's name, then nothing in place.
    append(body, with_type({0xC0, 29}));
    ASSERT_EQ(decode_question(body, m, 3), Malformed::none);
    ASSERT_EQ(m.questions_kept, 3);
    EXPECT_EQ(m.questions[1].name.view(), "x.y.c.example");
    EXPECT_EQ(m.questions[1].name.labels, 4);
    EXPECT_EQ(m.questions[2].name.view(), "x.y.c.example");
    EXPECT_EQ(m.questions[2].name.labels, 4);
}

TEST(Name, PointerHopBoundIsExact) {
    // Q1 at 12 is a forward pointer to the last of a chain of backward
    // pointers placed after the question, each to the one before; the first
    // of them points at the name "a" at 18. Hops: Q1's pointer + the chain.
    auto chain = [](int pointers) {
        Bytes msg = dns_header(1, 0x0100, 1);
        std::size_t first = 21, last = first + 2 * std::size_t(pointers - 1);
        append(msg, {uint8_t(0xC0 | last >> 8), uint8_t(last), 0, 1, 0, 1}); // 12..17
        append(msg, {1, 'a', 0});                                             // 18..20
        for (int k = 0; k < pointers; ++k) {
            std::size_t to = k == 0 ? 18 : first + 2 * std::size_t(k - 1);
            append(msg, {uint8_t(0xC0 | to >> 8), uint8_t(to)});
        }
        return msg;
    };
    DnsMessage m;
    ASSERT_EQ(decode_dns(chain(127), m), Malformed::none); // 128 hops
    EXPECT_EQ(m.questions[0].name.view(), "a");
    EXPECT_EQ(m.forward_pointers, 1);
    EXPECT_EQ(decode_dns(chain(128), m), Malformed::name_pointer_loop); // 129
}

TEST(Name, TextNeverWrittenPastTheLongestName) {
    // The reader copies ahead of its checks; every write stays below the
    // 253 characters of the longest legal name.
    std::string l63(63, 'x');
    Bytes longest = with_type(wire_name(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'y')));
    Bytes one_over = with_type(wire_name(l63 + "." + l63 + "." + l63 + "." + std::string(62, 'y')));
    Bytes across = with_type(wire_name(std::string(61, 'y') + "." + l63)); // Q2 adds 128 + pointer
    Bytes second = wire_name(l63 + "." + l63);
    second.back() = 0xC0;
    second.push_back(12);
    append(across, with_type(second));
    Bytes chars_127;
    for (int i = 0; i < 127; ++i) append(chars_127, {1, 'a'});
    append(chars_127, {0, 0, 1, 0, 1});
    for (const auto& [body, qd] : {std::pair{longest, 1}, std::pair{one_over, 1}, std::pair{across, 2},
                                   std::pair{chars_127, 1}}) {
        DnsMessage m;
        for (auto& q : m.questions) q.name.text[254] = q.name.text[255] = '#';
        decode_question(body, m, uint16_t(qd));
        for (auto& q : m.questions) {
            EXPECT_EQ(q.name.text[254], '#');
            EXPECT_EQ(q.name.text[255], '#');
        }
    }
}
