// Verdicts on the public bug-corpus captures (../shared/corpus/BUG_CORPUS.md,
// copies under ../shared/pcaps): each decodes without crash (this test runs
// under ASan/UBSan in the fuzz build too) and gives the verdict asserted here.
// Hazards the shared captures lack are built byte by byte in
// lib/dns/name_test.cpp and message_test.cpp (mutual pointers, legal 253-char
// name, reserved 0x40 labels, TXT past RDLENGTH, ECS prefixes, rdlength 0,
// qdcount 0, many tiny TCP messages in lib/dns/tcp_reassembly_test.cpp).
#include "dns/extractor.hpp"
#include "dns/message.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace recontap::dns;

namespace {

struct Verdict {
    Malformed rejected = Malformed::none; // decode_dns result (or the L2-L4 reason)
    Malformed section = Malformed::none;
    std::string qname;                    // first question, bytes exact
    uint16_t qtype = 0, qdcount = 0, questions_kept = 0, forward_pointers = 0;
    uint16_t answers = 0, answer_a = 0;
};

struct CaptureRun {
    std::vector<Verdict> messages;
    TcpReassemblyCounters tcp;
    IpReassemblyCounters ip;
};

std::filesystem::path pcaps() { return RECONTAP_SHARED_PCAPS; }
std::filesystem::path cases() { return RECONTAP_CORPUS_CASES; }

bool have_pcaps() { return std::filesystem::exists(pcaps() / "MANIFEST.tsv"); }

#define REQUIRE_PCAPS() \
    if (!have_pcaps()) GTEST_SKIP() << "no shared captures at " << pcaps()

// Every frame through the production path (extractor + decode_dns). With
// raw_udp, a UDP frame's DNS is read from every octet the IP payload holds,
// ignoring the UDP length field (what the historic decoders did).
CaptureRun run_path(const std::filesystem::path& path, std::initializer_list<uint16_t> ports = {53},
                    bool raw_udp = false) {
    CaptureRun out;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* cap = pcap_open_offline(path.c_str(), err);
    EXPECT_NE(cap, nullptr) << err;
    if (!cap) return out;
    DnsPorts dp;
    dp.n = 0;
    for (uint16_t p : ports) dp.port[dp.n++] = p;
    MessageExtractor ex(dp);
    LinkType link;
    EXPECT_TRUE(link_type_from_dlt(pcap_datalink(cap), link)) << path;
    DnsMessage m;
    auto record = [&](Malformed r) {
        Verdict v;
        v.rejected = r;
        if (r == Malformed::none) {
            v.section = m.section_error;
            v.qdcount = m.qdcount;
            v.questions_kept = m.questions_kept;
            v.forward_pointers = m.forward_pointers;
            v.answers = m.answers_decoded;
            v.answer_a = m.answer_a;
            if (m.questions_kept) {
                v.qname = std::string(m.questions[0].name.view());
                v.qtype = m.questions[0].qtype;
            }
        }
        out.messages.push_back(v);
    };
    pcap_pkthdr* h;
    const u_char* data;
    uint64_t ts = 0;
    while (pcap_next_ex(cap, &h, &data) == 1) {
        std::span<const uint8_t> frame(data, h->caplen);
        if (raw_udp) {
            PacketView pv;
            if (decode_packet(frame, link, pv) == Malformed::none && pv.transport == Transport::udp)
                record(decode_dns({pv.payload, std::size_t(frame.data() + frame.size() - pv.payload)}, m));
            continue;
        }
        ex.feed(frame, link, ++ts, [&](const PacketView&, std::span<const uint8_t> msg) { record(decode_dns(msg, m)); },
                [&](Malformed r, const PacketView&) { record(r); });
    }
    pcap_close(cap);
    out.tcp = ex.tcp_counters();
    out.ip = ex.ip_counters();
    return out;
}

CaptureRun run(const std::string& rel, std::initializer_list<uint16_t> ports = {53}, bool raw_udp = false) {
    return run_path(pcaps() / rel, ports, raw_udp);
}

std::string verdict_text(const Verdict& v) {
    if (v.rejected != Malformed::none) return "rejected:" + std::string(malformed_name(v.rejected));
    if (v.section != Malformed::none) return "section:" + std::string(malformed_name(v.section));
    return "ok";
}

} // namespace

TEST(Corpus, ZlipUdpLengthEightMeansNoDnsOctets) { // BUG_CORPUS #2
    REQUIRE_PCAPS();
    for (const char* f : {"dns-zlip-1.pcap", "dns-zlip-2.pcap", "dns-zlip-3.pcap"}) {
        CaptureRun r = run(std::string("tcpdump/tests/") + f);
        ASSERT_EQ(r.messages.size(), 1u) << f;
        EXPECT_EQ(r.messages[0].rejected, Malformed::dns_short_header) << f;
    }
}

// zlip-2's bytes are c0 0e at 12 and c0 0c at 14: two pointers pointing at
// each other (the MANIFEST's "into the header" reading does not match them).
TEST(Corpus, ZlipNamesWhenTheWholeIpPayloadIsRead) { // self-pointer, mutual pointers, growing loop
    REQUIRE_PCAPS();
    const std::pair<const char*, Malformed> cases[] = {
        {"dns-zlip-1.pcap", Malformed::name_pointer_loop},
        {"dns-zlip-2.pcap", Malformed::name_pointer_loop},
        {"dns-zlip-3.pcap", Malformed::name_pointer_loop},
    };
    for (auto [f, reason] : cases) {
        CaptureRun r = run(std::string("tcpdump/tests/") + f, {53}, true);
        ASSERT_EQ(r.messages.size(), 1u) << f;
        EXPECT_EQ(r.messages[0].rejected, reason) << f;
    }
}

TEST(Corpus, ForwardPointerGarbageAndBadLabelsAreTooLong) { // #1 CVE-2017-12995, #3
    REQUIRE_PCAPS();
    for (const char* f : {"tcpdump/tests/dns_fwdptr.pcap", "tcpdump/tests/dns-badlabel.pcap"}) {
        CaptureRun r = run(f);
        ASSERT_EQ(r.messages.size(), 1u) << f;
        EXPECT_EQ(r.messages[0].rejected, Malformed::name_too_long) << f;
    }
}

TEST(Corpus, ZeekInvalidNames) { // #11: label past end, self-pointer, unterminated
    REQUIRE_PCAPS();
    CaptureRun r = run("zeek/testing/btest/Traces/dns/dns-invalid-names.pcap");
    ASSERT_EQ(r.messages.size(), 3u);
    EXPECT_EQ(r.messages[0].rejected, Malformed::name_truncated);
    EXPECT_EQ(r.messages[1].rejected, Malformed::name_pointer_loop);
    EXPECT_EQ(r.messages[2].rejected, Malformed::name_truncated);
}

TEST(Corpus, SuricataNameAmplificationOverTcp) { // #5: 16 KB query over 2 segments, port 1053
    REQUIRE_PCAPS();
    CaptureRun r = run("suricata-verify/tests/dns/dns-truncated-rname/poc2.pcap", {1053});
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].rejected, Malformed::name_too_long);
    EXPECT_EQ(r.tcp.messages, 1u);
    EXPECT_EQ(r.tcp.messages_truncated, 1u); // longer than the 4 KiB flow buffer: prefix decoded
}

TEST(Corpus, CorruptAdditionalsKeepQuestionAndAnswers) { // #6
    REQUIRE_PCAPS();
    CaptureRun r = run("suricata-verify/tests/dns/dns-corrupt-additionals/input.pcap");
    ASSERT_EQ(r.messages.size(), 2u);
    const Verdict& resp = r.messages[1];
    EXPECT_EQ(resp.rejected, Malformed::none);
    EXPECT_EQ(resp.section, Malformed::rr_truncated);
    EXPECT_EQ(resp.qname, "_sip._udp.sip.voice.google.com");
    EXPECT_EQ(resp.qtype, 33);
    EXPECT_GT(resp.answers, 0);
}

TEST(Corpus, LegitimateForwardPointerAccepted) { // #7
    REQUIRE_PCAPS();
    CaptureRun r = run("suricata-verify/tests/dns/dns-forward-pointer/input.pcap");
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[0].rejected, Malformed::none);
    EXPECT_EQ(r.messages[0].section, Malformed::none);
    EXPECT_EQ(r.messages[0].qname, "codemonkey.net");
    EXPECT_EQ(r.messages[0].questions_kept, 2);
    EXPECT_GE(r.messages[0].forward_pointers, 1);
}

TEST(Corpus, RdlengthZeroInUpdateOverTcp) { // #8
    REQUIRE_PCAPS();
    CaptureRun r = run("suricata-verify/tests/dns/dns-answer-emptydata/input.pcap");
    ASSERT_EQ(r.messages.size(), 2u);
    for (const Verdict& v : r.messages) {
        EXPECT_EQ(v.rejected, Malformed::none);
        EXPECT_EQ(v.section, Malformed::none);
        EXPECT_EQ(v.qname, "ad.nwra.com");
    }
}

TEST(Corpus, EdnsOptionLengthsAndClientSubnet) { // #12, #14
    REQUIRE_PCAPS();
    CaptureRun bad_len = run("zeek/testing/btest/Traces/dns/dns-edns-bad-length.pcap");
    ASSERT_EQ(bad_len.messages.size(), 1u);
    EXPECT_EQ(bad_len.messages[0].section, Malformed::edns_bad_option);
    EXPECT_EQ(bad_len.messages[0].qname, "example.com");
    CaptureRun weird = run("zeek/testing/btest/Traces/dns-edns-ecs-weirds.pcap");
    ASSERT_EQ(weird.messages.size(), 5u);
    for (const Verdict& v : weird.messages) EXPECT_EQ(v.section, Malformed::edns_bad_option);
    CaptureRun good = run("zeek/testing/btest/Traces/dns-edns-ecs.pcap");
    for (const Verdict& v : good.messages) EXPECT_EQ(v.section, Malformed::none) << v.qname;
}

TEST(Corpus, NulByteInLabelKeptExact) { // #14 ecs-bad: NUL in a label, lengths past the capture
    REQUIRE_PCAPS();
    CaptureRun r = run("zeek/testing/btest/Traces/dns-edns-ecs-bad.pcap");
    ASSERT_EQ(r.messages.size(), 4u);
    for (const Verdict& v : r.messages) {
        EXPECT_EQ(v.rejected, Malformed::none);
        EXPECT_EQ(v.qname, std::string("txtpadding_32\0", 14));
        EXPECT_EQ(v.qtype, 0);
    }
}

TEST(Corpus, PointerChainsDecode) { // long legal chains: zeek max-compression-depth
    REQUIRE_PCAPS();
    CaptureRun r = run("zeek/testing/btest/Traces/dns/max-compression-depth.pcap");
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].section, Malformed::none);
    EXPECT_EQ(r.messages[0].answer_a, 7);
}

TEST(Corpus, TcpFramingCases) { // #42 split prefix, gaps, several messages per segment
    REQUIRE_PCAPS();
    CaptureRun split = run("zeek/testing/btest/Traces/dns-inverse-query.pcap");
    EXPECT_EQ(split.messages.size(), 2u);
    CaptureRun gap = run("suricata-verify/tests/dns-tcp-ts-gap/input.pcap");
    EXPECT_EQ(gap.tcp.seq_gaps, 1u);
    EXPECT_EQ(gap.messages.size(), 5u);
    CaptureRun many = run("dnscap/src/test/dnsotcp-manyopkts.pcap");
    EXPECT_EQ(many.messages.size(), 3u);
    CaptureRun pipelined = run("suricata-verify/tests/dns/dns-tcp-multirequest-buffer/dns-tcp-multirequest-buffer.pcap");
    EXPECT_EQ(pipelined.messages.size(), 40u);
    for (const CaptureRun* r : {&split, &gap, &many, &pipelined})
        for (const Verdict& v : r->messages) EXPECT_EQ(v.rejected, Malformed::none);
}

TEST(Corpus, FragmentedResponsesReassembled) {
    REQUIRE_PCAPS();
    CaptureRun v4 = run("dnscap/src/test/frags.pcap");
    EXPECT_EQ(v4.messages.size(), 82u);
    EXPECT_EQ(v4.ip.datagrams, 82u);
    CaptureRun v6 = run("zeek/testing/btest/Traces/ipv6-fragmented-dns.pcap");
    EXPECT_EQ(v6.messages.size(), 5u); // as tshark: 2 for txtpadding_323, 3 for txtpadding_3230
    EXPECT_GT(v6.ip.datagrams, 0u);
    EXPECT_EQ(v6.messages.back().qname, "txtpadding_3230.n1.netalyzr.icsi.berkeley.edu");
}

// Hazards the shared captures lack, as captures in this repository
// (tests/corpus/make_cases.py writes them and cases.tsv, the verdicts).
TEST(CorpusCases, EveryCaseGivesItsListedVerdicts) {
    std::ifstream tsv(cases() / "cases.tsv");
    ASSERT_TRUE(tsv) << "missing " << cases() / "cases.tsv";
    std::string line;
    std::getline(tsv, line); // header
    int checked = 0;
    while (std::getline(tsv, line)) {
        std::istringstream fields(line);
        std::string file, expected;
        std::getline(fields, file, '\t');
        std::getline(fields, expected, '\t');
        CaptureRun r = run_path(cases() / file);
        std::string got;
        for (const Verdict& v : r.messages) got += (got.empty() ? "" : ",") + verdict_text(v);
        EXPECT_EQ(got, expected) << file;
        ++checked;
    }
    EXPECT_EQ(checked, 12);
}

TEST(CorpusCases, DecodedFieldsOfTheLegalOnes) {
    CaptureRun longest = run_path(cases() / "legal-253-char-name.pcap");
    ASSERT_EQ(longest.messages.size(), 1u);
    EXPECT_EQ(longest.messages[0].qname.size(), 253u);
    CaptureRun arpa = run_path(cases() / "long-ip6-arpa-ptr.pcap");
    ASSERT_EQ(arpa.messages.size(), 1u);
    EXPECT_EQ(arpa.messages[0].qtype, 12);
    EXPECT_EQ(arpa.messages[0].qname.substr(arpa.messages[0].qname.size() - 9), ".ip6.arpa");
    CaptureRun chain = run_path(cases() / "pointer-chain-100.pcap");
    ASSERT_EQ(chain.messages.size(), 1u);
    EXPECT_EQ(chain.messages[0].qdcount, 101);
    EXPECT_EQ(chain.messages[0].questions_kept, kMaxQuestionsKept);
    CaptureRun odd = run_path(cases() / "unprintable-bytes.pcap");
    ASSERT_EQ(odd.messages.size(), 1u);
    EXPECT_EQ(odd.messages[0].qname, std::string("a\0\t\"\\\xff.com", 10));
}
