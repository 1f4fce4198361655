#include "mgmt/catalogue.hpp"
#include "mgmt/eve.hpp"
#include "mgmt/test_records.hpp"
#include "shm/detail_tags.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

using namespace recontap;
using namespace recontap::mgmt;
using mgmt::testing::record;
using nlohmann::json;
using shm::Detector;

TEST(Eve, TimestampInSuricataFormat) {
    EXPECT_EQ(eve_timestamp(mgmt::testing::kBase + 123'456'789), "2026-12-03T13:10:38.123456+0000");
    EXPECT_EQ(eve_timestamp(0), "1970-01-01T00:00:00.000000+0000");
}

TEST(Eve, CatalogueFollowsTheDetectorEnum) {
    for (uint8_t d = 0; d < shm::kDetectorCount; ++d) {
        ASSERT_NE(detector_info(d), nullptr);
        EXPECT_STREQ(detector_info(d)->id, shm::detector_name(static_cast<Detector>(d)));
        EXPECT_FALSE(detector_info(d)->next_steps.empty());
        EXPECT_EQ(signature_id(d), 9100001u + d);
    }
    EXPECT_EQ(detector_info(shm::kDetectorCount), nullptr);
}

TEST(Eve, AlertCarriesTheContractFields) {
    shm::DetectionRecord r = record(Detector::NXD, 7, 0);
    r.add_evidence("nxdomain", 61);
    r.add_evidence("responses", 80);
    std::strcpy(r.detail, "nxdomain-ratio");
    Decision d;
    d.emit = true;
    d.tier = 1;
    d.tier_reason = "no escalation rule matched";
    d.suppressed_since_last = 4;
    json a = json::parse(to_line(make_alert(r, d)));
    EXPECT_EQ(a["event_type"], "alert");
    EXPECT_EQ(a["timestamp"], "2026-12-03T13:10:38.000000+0000");
    EXPECT_EQ(a["src_ip"], "10.0.0.7");
    EXPECT_EQ(a["dest_ip"], "10.0.0.53");
    EXPECT_EQ(a["src_port"], 40000);
    EXPECT_EQ(a["dest_port"], 53);
    EXPECT_EQ(a["proto"], "UDP");
    EXPECT_EQ(a["app_proto"], "dns");
    EXPECT_EQ(a["dns"]["version"], 3);
    EXPECT_EQ(a["dns"]["queries"][0]["rrname"], "www.example.com");
    EXPECT_EQ(a["dns"]["queries"][0]["rrtype"], "A");
    const json& alert = a["alert"];
    EXPECT_EQ(alert["signature_id"], 9100003);
    EXPECT_EQ(alert["severity"], 3);
    EXPECT_EQ(alert["signature"], "RECONTAP NXD pattern of failed DNS lookups");
    EXPECT_EQ(alert["metadata"]["detector"], json({"NXD"}));
    EXPECT_EQ(alert["metadata"]["tier"], json({"1"}));
    EXPECT_EQ(alert["metadata"]["mitre_technique_id"], json({"T1596.001"}));
    const json& ctx = alert["context"];
    EXPECT_EQ(ctx["evidence"]["nxdomain"], 61);
    EXPECT_EQ(ctx["evidence"]["responses"], 80);
    EXPECT_EQ(ctx["window"]["length_s"], 60);
    EXPECT_EQ(ctx["window"]["start"], "2026-12-03T13:09:38.000000+0000");
    EXPECT_EQ(ctx["detail"], "nxdomain-ratio");
    EXPECT_EQ(ctx["suppressed_since_last"], 4);
    EXPECT_GE(ctx["next_steps"].size(), 3u);
    EXPECT_FALSE(ctx.contains("correlated_with"));
    EXPECT_EQ(ctx["trigger"], "response");
    EXPECT_EQ(ctx["rcode"], "NOERROR");

    d.tier = 2;
    d.correlated = true;
    d.correlated_detector = uint8_t(Detector::PDNS);
    d.correlated_ts_ns = r.ts_ns - 5 * mgmt::testing::kSecond;
    json t2 = make_alert(r, d);
    EXPECT_EQ(t2["alert"]["severity"], 1);
    EXPECT_EQ(t2["alert"]["metadata"]["tier"], json({"2"}));
    EXPECT_EQ(t2["alert"]["context"]["correlated_with"]["detector"], "PDNS");
    EXPECT_EQ(t2["alert"]["context"]["correlated_with"]["timestamp"], "2026-12-03T13:10:33.000000+0000");
}

TEST(Eve, RawNameBytesAndJunkTextStayValidJson) {
    const char raw[] = {'a', '\0', char(0xff), '"', '.', 'e', 'x'};
    shm::DetectionRecord r = record(Detector::RARE, 1, 0, 0, std::string_view(raw, sizeof raw));
    std::memcpy(r.detail, "\xc3\x28 bad utf8", 12);
    std::memset(r.evidence[0].key, 'k', sizeof r.evidence[0].key); // no NUL
    r.evidence_n = 200;                                             // more than the slots
    Decision d;
    d.emit = true;
    std::string line = to_line(make_alert(r, d));
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    json a = json::parse(line); // throws on invalid JSON or UTF-8
    EXPECT_EQ(a["dns"]["queries"][0]["rrname"], "a\\000\\255\\034.ex");
    EXPECT_EQ(a["alert"]["context"]["sample_name"], "a\\000\\255\\034.ex");
    EXPECT_EQ(a["alert"]["context"]["evidence"].size(), 1u); // unnamed slots are skipped
    EXPECT_EQ(a["alert"]["context"]["evidence"][std::string(24, 'k')], 0);
}

TEST(Eve, Ipv6AndTcp) {
    shm::DetectionRecord r = record(Detector::RARE, 1, 0);
    r.client_family = 6;
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
    std::memcpy(r.client, v6, 16);
    r.transport = 6;
    r.qtype = 252;
    Decision d;
    json a = make_alert(r, d);
    EXPECT_EQ(a["src_ip"], "2001:db8::42");
    EXPECT_EQ(a["proto"], "TCP");
    EXPECT_EQ(a["dns"]["queries"][0]["rrtype"], "AXFR");
}

TEST(Eve, AQueryFiredAlertClaimsNoReplyCode) {
    // The AXFR query fires RARE before any reply: NOERROR would tell an
    // analyst the transfer went through when the server may have refused.
    shm::DetectionRecord q = record(Detector::RARE, 1, 0);
    q.qtype = 252;
    q.rcode = shm::kRcodeQuery;
    Decision d;
    json ctx = make_alert(q, d)["alert"]["context"];
    EXPECT_EQ(ctx["trigger"], "query");
    EXPECT_FALSE(ctx.contains("rcode"));

    shm::DetectionRecord reply = record(Detector::NXD, 1, 0);
    reply.rcode = 5;
    ctx = make_alert(reply, d)["alert"]["context"];
    EXPECT_EQ(ctx["trigger"], "response");
    EXPECT_EQ(ctx["rcode"], "REFUSED");
}

TEST(Eve, ASiteWideAlertReportsNoMessageFields) {
    shm::DetectionRecord r = record(Detector::SPIKE, 1, 0, shm::kFlagSiteWide);
    json ctx = make_alert(r, Decision{})["alert"]["context"];
    for (const char* field : {"qtype", "qclass", "trigger", "rcode"}) EXPECT_FALSE(ctx.contains(field)) << field;
    EXPECT_TRUE(ctx.contains("evidence"));
}

TEST(Eve, FlowIdIsStableAndNamesTheFiveTuple) {
    shm::DetectionRecord a = record(Detector::NXD, 1, 0), b = record(Detector::PDNS, 1, 500);
    EXPECT_EQ(flow_id(a), flow_id(b)); // same 5-tuple, other detector and time
    EXPECT_LT(flow_id(a), 1ull << 51);
    shm::DetectionRecord other_server = a;
    other_server.server[3] = 54;
    EXPECT_NE(flow_id(a), flow_id(other_server));
    shm::DetectionRecord other_port = a; // the client's next query: a new UDP flow
    other_port.client_port = uint16_t(a.client_port + 1);
    EXPECT_NE(flow_id(a), flow_id(other_port));
}

TEST(Eve, WriterAppendsOnlyOnCommit) {
    std::string dir = ::testing::TempDir() + "eve-test-" + std::to_string(getpid());
    std::string path = dir + "/sub/eve.json";
    EveWriter w;
    std::string why;
    ASSERT_TRUE(w.open(path, why)) << why;
    w.append("{\"a\":1}\n");
    w.append("{\"b\":2}\n");
    EXPECT_EQ(std::ifstream(path).peek(), EOF); // nothing before commit
    ASSERT_TRUE(w.commit(why)) << why;
    EXPECT_EQ(w.lines_committed(), 2u);
    EXPECT_FALSE(w.has_pending());
    std::stringstream content;
    content << std::ifstream(path).rdbuf();
    EXPECT_EQ(content.str(), "{\"a\":1}\n{\"b\":2}\n");
    std::filesystem::remove_all(dir);
}

TEST(Eve, WriterReportsUnopenablePath) {
    EveWriter w;
    std::string why;
    EXPECT_FALSE(w.open("/proc/self/no-such-dir/eve.json", why));
    EXPECT_NE(why.find("cannot open /proc/self/no-such-dir/eve.json"), std::string::npos) << why;
}

TEST(Eve, FailedWriteKeepsLinesPendingAndCounts) {
    EveWriter w;
    std::string why;
    ASSERT_TRUE(w.open("/dev/full", why)) << why;
    w.append("{\"a\":1}\n");
    EXPECT_FALSE(w.commit(why));
    EXPECT_NE(why.find("/dev/full: No space left on device"), std::string::npos) << why;
    EXPECT_TRUE(w.has_pending());
    EXPECT_EQ(w.write_errors(), 1u);
    EXPECT_EQ(w.lines_committed(), 0u);
}

// Each RARE and MISCONF sub-kind (and the site-wide SPIKE) carries its own next steps, naming what the
// sub-kind is about; any other detail falls back to the detector's list.
TEST(Eve, EachSubKindGetsItsOwnNextSteps) {
    struct Case {
        Detector detector;
        const char* detail;
        const char* first_step_mentions;
    };
    const Case cases[] = {
        {Detector::RARE, shm::detail_tag::kAxfr, "transfer"},
        {Detector::RARE, shm::detail_tag::kIxfr, "incremental transfer"},
        {Detector::RARE, shm::detail_tag::kAny, "ANY"},
        {Detector::RARE, shm::detail_tag::kChaos, "version.bind"},
        {Detector::RARE, shm::detail_tag::kNsecWalk, "NSEC"},
        {Detector::RARE, shm::detail_tag::kPtrSweep, "PTR"},
        {Detector::RARE, shm::detail_tag::kSrvBreadth, "SRV"},
        {Detector::MISCONF, shm::detail_tag::kTransferAnswered, "zone"},
        {Detector::MISCONF, shm::detail_tag::kVersionDisclosed, "version"},
        {Detector::MISCONF, shm::detail_tag::kOpenRecursion, "open resolver"},
        {Detector::SPIKE, shm::detail_tag::kSiteWide, "whole site"},
    };
    auto steps_in_alert = [](Detector detector, std::string_view detail) {
        shm::DetectionRecord r = record(detector, 1, 0);
        std::memcpy(r.detail, detail.data(), detail.size());
        Decision d;
        d.emit = true;
        return json::parse(to_line(make_alert(r, d)))["alert"]["context"]["next_steps"];
    };
    const json generic_rare = steps_in_alert(Detector::RARE, "something new");
    const json generic_misconf = steps_in_alert(Detector::MISCONF, "");
    EXPECT_EQ(generic_rare[0], detector_info(uint8_t(Detector::RARE))->next_steps[0]);
    EXPECT_EQ(generic_misconf[0], detector_info(uint8_t(Detector::MISCONF))->next_steps[0]);
    std::set<std::string> first_steps;
    for (const Case& c : cases) {
        json steps = steps_in_alert(c.detector, c.detail);
        ASSERT_GE(steps.size(), 3u) << c.detail;
        EXPECT_NE(steps, generic_rare) << c.detail;
        EXPECT_NE(steps, generic_misconf) << c.detail;
        const std::string first = steps[0];
        EXPECT_NE(first.find(c.first_step_mentions), std::string::npos) << c.detail << ": " << first;
        first_steps.insert(first);
    }
    EXPECT_EQ(first_steps.size(), std::size(cases)); // no two sub-kinds share their steps
    // A RARE tag on another detector is not a sub-kind of it.
    EXPECT_EQ(steps_in_alert(Detector::NXD, shm::detail_tag::kAxfr)[0],
              detector_info(uint8_t(Detector::NXD))->next_steps[0]);
}
