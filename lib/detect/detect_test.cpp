// Detector behaviour on hand-built messages: thresholds crossed exactly once
// per window, windows on packet time, look-alikes quiet.
#include "detect/engine.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace recontap;

namespace {

// Keeps detections in `got` and window summaries apart in `summaries`.
struct VectorSink : detect::DetectionSink {
    std::vector<shm::DetectionRecord> got, summaries;
    void emit(const shm::DetectionRecord& r) override {
        (r.kind == uint8_t(shm::RecordKind::window_summary) ? summaries : got).push_back(r);
    }
    int count(shm::Detector d) const {
        int n = 0;
        for (auto& r : got) n += r.detector == uint8_t(d);
        return n;
    }
    uint64_t evidence(shm::Detector d, const char* key) const {
        for (auto& r : got)
            if (uint64_t v = r.evidence_value(key, ~0ull); r.detector == uint8_t(d) && v != ~0ull) return v;
        return ~0ull;
    }
};

dns::IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    dns::IpAddr x{};
    x.family = 4;
    x.bytes[0] = a, x.bytes[1] = b, x.bytes[2] = c, x.bytes[3] = d;
    return x;
}

constexpr uint64_t kSec = 1'000'000'000ull;

struct Harness {
    config::Config cfg;
    VectorSink sink;
    shm::WorkerCountersData counters{};
    std::unique_ptr<detect::Engine> engine;
    dns::IpAddr client = v4(10, 1, 2, 3), server = v4(10, 0, 0, 53);

    explicit Harness(config::Config c = {}) : cfg(std::move(c)) {
        auto rules = rules::RuleSet::from_text("api.securitytrails.com\ncrt.sh\n", "vpn\nadmin\njenkins\nintranet\n");
        cfg.dataplane.clients_per_worker = 1024;
        engine = std::make_unique<detect::Engine>(cfg, rules, sink, 0, counters);
    }

    void message(uint64_t ts, const std::string& name, uint16_t qtype, bool response, uint16_t rcode = 0,
                 uint16_t qclass = 1, uint16_t ancount = 0, const detect::SteeredClient* steered = nullptr,
                 dns::Transport transport = dns::Transport::udp) {
        dns::PacketView p{};
        p.transport = transport;
        dns::DnsMessage m{};
        p.src = response ? server : client;
        p.dst = response ? client : server;
        p.sport = response ? 53 : 40000;
        p.dport = response ? 40000 : 53;
        m.flags = uint16_t((response ? 0x8000 : 0) | 0x0180); // QR when a response, RD, RA
        m.rcode = rcode;
        m.ancount = ancount;
        m.qdcount = 1;
        m.questions_kept = 1;
        auto& q = m.questions[0];
        std::memcpy(q.name.text, name.data(), name.size());
        q.name.len = uint16_t(name.size());
        q.qtype = qtype;
        q.qclass = qclass;
        engine->observe(ts, p, m, steered);
    }
};

} // namespace

TEST(Detect, BulkFiresOnceAtThresholdWithinWindow) {
    config::Config c;
    c.detectors.bulk_queries = 100;
    Harness h(c);
    for (int i = 0; i < 250; ++i) h.message(1000 * kSec + uint64_t(i) * (kSec / 10), "www.example.com", 1, false);
    EXPECT_EQ(h.sink.count(shm::Detector::BULK), 1);
    EXPECT_EQ(h.sink.evidence(shm::Detector::BULK, "queries"), 100u);
    EXPECT_EQ(h.counters.dns_queries, 250u);
}

TEST(Detect, BulkBelowThresholdSpreadOverWindowsIsQuiet) {
    config::Config c;
    c.detectors.bulk_queries = 100;
    Harness h(c);
    // 99 queries in each of three windows: never 100 in one window.
    for (int w = 0; w < 3; ++w)
        for (int i = 0; i < 99; ++i) h.message(uint64_t(60 * (20 + w)) * kSec + uint64_t(i) * kSec / 2, "a.example", 1, false);
    EXPECT_EQ(h.sink.count(shm::Detector::BULK), 0);
}

TEST(Detect, NxdNeedsCountAndRatio) {
    Harness h;
    for (int i = 0; i < 60; ++i) {
        std::string n = "x" + std::to_string(i) + ".target.example";
        h.message(1000 * kSec + uint64_t(i) * kSec / 4, n, 1, false);
        h.message(1000 * kSec + uint64_t(i) * kSec / 4 + 1, n, 1, true, 3);
    }
    ASSERT_EQ(h.sink.count(shm::Detector::NXD), 1);
    EXPECT_EQ(h.sink.evidence(shm::Detector::NXD, "failures"), 50u);
    EXPECT_EQ(h.sink.got.back().rcode, 3u); // fired by the NXDOMAIN reply
    EXPECT_STREQ(h.sink.got.back().detail, "NXDOMAIN");
}

TEST(Detect, NxdQuietWhenMostAnswersSucceed) {
    Harness h;
    for (int i = 0; i < 400; ++i) {
        std::string n = "x" + std::to_string(i) + ".target.example";
        h.message(1000 * kSec + uint64_t(i) * kSec / 10, n, 1, true, i % 5 == 0 ? 3 : 0);
    }
    EXPECT_EQ(h.sink.count(shm::Detector::NXD), 0); // 80 failures but 20% of responses
}

// The default allowlist covers the DNS blocklists a mail server asks
// besides Spamhaus ZEN (spamcop, barracuda, sorbs ...): its NXDOMAINs are
// no pattern (an analyst trial's mail relay raised NXD and ENUM).
TEST(Detect, DefaultAllowlistCoversCommonDnsBlocklists) {
    Harness h; // default configuration
    for (int i = 0; i < 300; ++i) {
        const std::string ip = std::to_string(i % 250) + "." + std::to_string(i / 250) + ".0.10.";
        for (const char* zone : {"bl.spamcop.net", "b.barracudacentral.org", "dnsbl.sorbs.net"}) {
            h.message(1000 * kSec + uint64_t(i), ip + zone, 1, false);
            h.message(1000 * kSec + uint64_t(i), ip + zone, 1, true, 3);
        }
    }
    EXPECT_EQ(h.sink.count(shm::Detector::NXD), 0);
    EXPECT_EQ(h.sink.count(shm::Detector::ENUM), 0);
}

TEST(Detect, NxdIgnoresArpaAndAllowlisted) {
    config::Config c;
    c.site.allow_domains = {"zen.spamhaus.org"};
    Harness h(c);
    for (int i = 0; i < 100; ++i) {
        h.message(1000 * kSec + uint64_t(i), std::to_string(i) + ".2.0.192.in-addr.arpa", 12, true, 3);
        h.message(1000 * kSec + uint64_t(i), std::to_string(i) + ".2.0.192.zen.spamhaus.org", 1, true, 3);
    }
    EXPECT_EQ(h.sink.count(shm::Detector::NXD), 0);
}

TEST(Detect, PdnsNamesTheProviderRule) {
    Harness h;
    h.message(1000 * kSec, "API.SecurityTrails.com", 1, false);
    h.message(1001 * kSec, "api.securitytrails.com", 1, false);
    ASSERT_EQ(h.sink.count(shm::Detector::PDNS), 1);
    EXPECT_STREQ(h.sink.got[0].detail, "api.securitytrails.com");
    EXPECT_EQ(h.counters.rule_hits_pdns, 2u);
}

TEST(Detect, PdnsLookAlikeIsQuiet) {
    Harness h;
    h.message(1000 * kSec, "notapi.securitytrails.com", 1, false);
    h.message(1000 * kSec, "crt.sh.evil.example", 1, false);
    EXPECT_EQ(h.sink.count(shm::Detector::PDNS), 0);
}

TEST(Detect, SensCountsDistinctNamesAndFlagsInternalZone) {
    config::Config c;
    c.site.internal_zones = {"corp.example"};
    Harness h(c);
    for (int i = 0; i < 5; ++i) h.message(1000 * kSec + uint64_t(i), "vpn.corp.example", 1, false); // repeats: one name
    EXPECT_EQ(h.sink.count(shm::Detector::SENS), 0);
    h.message(1001 * kSec, "admin.corp.example", 1, false);
    h.message(1002 * kSec, "jenkins.corp.example", 1, false);
    ASSERT_EQ(h.sink.count(shm::Detector::SENS), 1);
    EXPECT_TRUE(h.sink.got[0].flags & shm::kFlagInternalZone);
    EXPECT_STREQ(h.sink.got[0].detail, "jenkins"); // the rule the firing name hit
}

TEST(Detect, RareFiresPerKind) {
    Harness h;
    h.message(1000 * kSec, "corp.example", 252, false);
    h.message(1000 * kSec + 1, "corp.example", 252, false);
    h.message(1000 * kSec + 2, "version.bind", 16, false, 0, 3);
    h.message(1000 * kSec + 3, "example.com", 255, false);
    ASSERT_EQ(h.sink.count(shm::Detector::RARE), 3);
    EXPECT_STREQ(h.sink.got[0].detail, "AXFR");
    EXPECT_STREQ(h.sink.got[1].detail, "CHAOS");
    EXPECT_STREQ(h.sink.got[2].detail, "ANY");
    // Fired by queries: no reply is known, and the record says so.
    for (const auto& r : h.sink.got) EXPECT_EQ(r.rcode, shm::kRcodeQuery);
}

// A domain member's handful of SRV lookups, asked over and over, stays
// quiet; an SRV brute force across unrelated services is RARE once.
TEST(Detect, SrvBreadthButNotADomainMembersLookups) {
    Harness member;
    const char* usual[] = {"_ldap._tcp.dc._msdcs.corp.example", "_kerberos._tcp.dc._msdcs.corp.example",
                           "_gc._tcp.corp.example", "_ldap._tcp.corp.example", "_kerberos._udp.corp.example",
                           "_kpasswd._tcp.corp.example"};
    for (int round = 0; round < 20; ++round)
        for (const char* n : usual) member.message(1000 * kSec + uint64_t(round), n, 33, false);
    EXPECT_EQ(member.sink.count(shm::Detector::RARE), 0);

    // A Windows member's locator at boot: 16 names (site, pdc, gc, GUID forms)
    // but 6 services, plus Outlook and Teams: quiet (it fired on every boot
    // when names were counted).
    Harness boot;
    const char* locator[] = {
        "_ldap._tcp.corp.example", "_ldap._tcp.dc._msdcs.corp.example", "_ldap._tcp.pdc._msdcs.corp.example",
        "_ldap._tcp.gc._msdcs.corp.example", "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.corp.example",
        "_ldap._tcp.Default-First-Site-Name._sites.corp.example", "_ldap._tcp.Default-First-Site-Name._sites.gc._msdcs.corp.example",
        "_ldap._tcp.6f3c2a1e-0000-4000-8000-00000000abcd.domains._msdcs.corp.example",
        "_kerberos._tcp.corp.example", "_kerberos._udp.corp.example", "_kerberos._tcp.dc._msdcs.corp.example",
        "_kerberos._tcp.Default-First-Site-Name._sites.dc._msdcs.corp.example", "_gc._tcp.corp.example",
        "_gc._tcp.Default-First-Site-Name._sites.corp.example", "_kpasswd._tcp.corp.example", "_kpasswd._udp.corp.example",
        "_sip._tls.corp.example", "_autodiscover._tcp.corp.example"};
    for (std::size_t i = 0; i < std::size(locator); ++i) boot.message(1000 * kSec + i, locator[i], 33, false);
    EXPECT_EQ(boot.sink.count(shm::Detector::RARE), 0);

    Harness brute;
    const char* services[] = {"_finger._tcp", "_nntp._tcp", "_telnet._tcp", "_whois._tcp", "_h323cs._tcp",
                              "_h323cs._udp", "_h323be._tcp", "_h323be._udp", "_h323ls._tcp", "_h323ls._udp",
                              "_sip._tcp", "_sip._udp", "_sips._tcp", "_xmpp-server._tcp", "_xmpp-client._tcp",
                              "_jabber._tcp", "_imap._tcp", "_pop3._tcp", "_smtp._tcp", "_hkp._tcp"};
    for (int i = 0; i < 20; ++i) brute.message(1000 * kSec + uint64_t(i), std::string(services[i]) + ".target.com", 33, false);
    ASSERT_EQ(brute.sink.count(shm::Detector::RARE), 1);
    EXPECT_STREQ(brute.sink.got[0].detail, "SRV breadth");
    uint64_t seen = brute.sink.evidence(shm::Detector::RARE, "distinct_srv_services");
    EXPECT_GE(seen, 12u);
    EXPECT_LE(seen, 16u) << "fires as the estimate reaches the threshold";
}

TEST(Detect, PtrSweepOfOne24ButNotScatteredPtrs) {
    Harness h;
    for (int i = 1; i <= 40; ++i) h.message(1000 * kSec + uint64_t(i), std::to_string(i) + ".9.8.7.in-addr.arpa", 12, false);
    ASSERT_EQ(h.sink.count(shm::Detector::RARE), 1);
    EXPECT_STREQ(h.sink.got[0].detail, "PTR sweep");
    EXPECT_EQ(h.sink.evidence(shm::Detector::RARE, "distinct_ptr_in_24"), 32u);

    Harness scattered;
    for (int i = 1; i <= 200; ++i)
        scattered.message(1000 * kSec + uint64_t(i), "5." + std::to_string(i) + ".8.7.in-addr.arpa", 12, false);
    EXPECT_EQ(scattered.sink.count(shm::Detector::RARE), 0);
}

// A target asked between pairs of noise names under ever-new domains
// (a.xN, b.xN: as many names as the target had at first) tied with the noise
// slot on every new domain and lost its slot each time: never detected.
TEST(Detect, EnumTargetBetweenNoiseDomainsOfAsManyNamesKeepsItsSlot) {
    Harness h;
    for (int i = 0; i < 250; ++i) {
        const uint64_t t = 1020 * kSec + uint64_t(i) * (kSec / 5); // one 60 s window: 1020-1080 s
        h.message(t, "h" + std::to_string(i) + ".target-corp.com", 1, false);
        h.message(t + 1, "a.example" + std::to_string(i) + ".com", 1, false);
        h.message(t + 2, "b.example" + std::to_string(i) + ".com", 1, false);
    }
    ASSERT_EQ(h.sink.count(shm::Detector::ENUM), 1);
    EXPECT_STREQ(h.sink.got[0].detail, "target-corp.com");
}

TEST(Detect, EnumCountsDistinctSubdomainsOfOneBase) {
    config::Config c;
    c.detectors.enum_distinct = 100;
    Harness h(c);
    for (int i = 0; i < 150; ++i) {
        h.message(1000 * kSec + uint64_t(i), "w" + std::to_string(i) + ".target.co.uk", 1, false);
        h.message(1000 * kSec + uint64_t(i), "news" + std::to_string(i % 3) + ".other.example", 1, false); // noise
    }
    ASSERT_EQ(h.sink.count(shm::Detector::ENUM), 1);
    EXPECT_STREQ(h.sink.got[0].detail, "target.co.uk");
    // Fired on the first name that took the estimate to 100: within a few
    // names of the true count (linear counting over 512 bits), never below.
    uint64_t distinct = h.sink.evidence(shm::Detector::ENUM, "distinct_names");
    EXPECT_EQ(distinct, 100u);
}

TEST(Detect, ExtOnlyForOutsidersAskingInside) {
    config::Config c;
    c.site.internal_networks = {};
    config::Cidr ten;
    ASSERT_TRUE(config::parse_cidr("10.0.0.0/8", ten));
    c.site.internal_networks.push_back(ten);
    c.site.dns_servers = {v4(10, 0, 0, 53)};
    Harness h(c);
    h.message(1000 * kSec, "www.corp.example", 1, false); // internal client
    EXPECT_EQ(h.sink.count(shm::Detector::EXT), 0);
    h.client = v4(203, 0, 113, 9);
    h.message(1001 * kSec, "www.corp.example", 1, false);
    EXPECT_EQ(h.sink.count(shm::Detector::EXT), 1);
}

// A server answering CHAOS hostname.bind or id.server discloses its name,
// not its version: the detail says which (an analyst trial's monitoring host).
TEST(Detect, MisconfNamesAnIdentityDisclosureAsSuch) {
    Harness h;
    auto chaos_answer = [&](uint64_t ts, const std::string& name) {
        dns::PacketView p{};
        p.transport = dns::Transport::udp;
        p.src = h.server;
        p.dst = h.client;
        p.sport = 53;
        p.dport = 40000;
        dns::DnsMessage m{};
        m.flags = 0x8400; // QR, AA
        m.ancount = 1;
        m.chaos_txt_answer = true;
        m.qdcount = 1;
        m.questions_kept = 1;
        std::memcpy(m.questions[0].name.text, name.data(), name.size());
        m.questions[0].name.len = uint16_t(name.size());
        m.questions[0].qtype = 16;
        m.questions[0].qclass = 3;
        h.engine->observe(ts, p, m, nullptr);
    };
    chaos_answer(1000 * kSec, "hostname.bind");
    chaos_answer(1060 * kSec, "version.bind"); // the next window
    ASSERT_EQ(h.sink.count(shm::Detector::MISCONF), 2);
    EXPECT_STREQ(h.sink.got[0].detail, "identity disclosed");
    EXPECT_STREQ(h.sink.got[1].detail, "version disclosed");
}

TEST(Detect, MisconfOnAnsweredTransferNotOnRefused) {
    Harness h;
    h.message(1000 * kSec, "corp.example", 252, true, 5, 1, 0);
    EXPECT_EQ(h.sink.count(shm::Detector::MISCONF), 0);
    h.message(1001 * kSec, "corp.example", 252, true, 0, 1, 40);
    ASSERT_EQ(h.sink.count(shm::Detector::MISCONF), 1);
    EXPECT_TRUE(h.sink.got.back().flags & shm::kFlagMisconfig);
}

TEST(Detect, AllowlistedClientNeverAlerts) {
    config::Config c;
    config::Cidr me;
    ASSERT_TRUE(config::parse_cidr("10.1.2.3/32", me));
    c.site.allow_clients = {me};
    Harness h(c);
    h.message(1000 * kSec, "corp.example", 252, false);
    h.message(1000 * kSec, "api.securitytrails.com", 1, false);
    EXPECT_TRUE(h.sink.got.empty());
}

TEST(Detect, NewWindowFiresAgain) {
    Harness h;
    h.message(1000 * kSec, "corp.example", 252, false);
    h.message(1000 * kSec + 10 * kSec, "corp.example", 252, false);
    h.message(1000 * kSec + 120 * kSec, "corp.example", 252, false);
    EXPECT_EQ(h.sink.count(shm::Detector::RARE), 2);
}

namespace {
config::IntelEntry intel(const char* cidr, const char* label) {
    config::IntelEntry e;
    EXPECT_TRUE(config::parse_cidr(cidr, e.net)) << cidr;
    e.label = label;
    return e;
}
} // namespace

TEST(AddressSet, LongestPrefixWins) {
    detect::AddressSet set({intel("198.51.100.0/24", "wide"), intel("198.51.100.7/32", "host"),
                            intel("2001:db8::/32", "v6")});
    dns::IpAddr a{};
    ASSERT_TRUE(config::parse_ip("198.51.100.7", a));
    ASSERT_NE(set.find(a), nullptr);
    EXPECT_EQ(set.find(a)->label, "host");
    ASSERT_TRUE(config::parse_ip("198.51.100.8", a));
    EXPECT_EQ(set.find(a)->label, "wide");
    ASSERT_TRUE(config::parse_ip("198.51.101.7", a));
    EXPECT_EQ(set.find(a), nullptr);
    ASSERT_TRUE(config::parse_ip("2001:db8:ffff::1", a));
    EXPECT_EQ(set.find(a)->label, "v6");
    ASSERT_TRUE(config::parse_ip("2001:db9::1", a));
    EXPECT_EQ(set.find(a), nullptr);
}

TEST(Detect, IntelOnListedServerOrClient) {
    config::Config c;
    c.site.intel = {intel("10.0.0.53/32", "apt.txt:3 actor resolver")};
    Harness h(c);
    h.message(1000 * kSec, "www.example.com", 1, false);
    ASSERT_EQ(h.sink.count(shm::Detector::INTEL), 1);
    EXPECT_STREQ(h.sink.got[0].detail, "server in apt.txt:3 actor resolver");

    config::Config quiet;
    quiet.site.intel = {intel("192.0.2.0/24", "other")};
    Harness q(quiet);
    q.message(1000 * kSec, "www.example.com", 1, false);
    EXPECT_EQ(q.sink.count(shm::Detector::INTEL), 0);
}

TEST(Detect, SpikeNeedsHistoryAndFactor) {
    config::Config c;
    c.detectors.spike_min_queries = 100;
    Harness h(c);
    // Five quiet windows of 10 queries, then 150 in one window: 15x the baseline.
    for (int w = 0; w < 5; ++w)
        for (int i = 0; i < 10; ++i) h.message(uint64_t(60 * (100 + w) + i) * kSec, "a.example", 1, false);
    EXPECT_EQ(h.sink.count(shm::Detector::SPIKE), 0);
    for (int i = 0; i < 150; ++i) h.message(uint64_t(60 * 105) * kSec + uint64_t(i) * kSec / 10, "a.example", 1, false);
    ASSERT_EQ(h.sink.count(shm::Detector::SPIKE), 1);
    EXPECT_EQ(h.sink.evidence(shm::Detector::SPIKE, "queries"), 100u);
    EXPECT_EQ(h.sink.evidence(shm::Detector::SPIKE, "baseline_per_window"), 10u);

    Harness fresh(c); // the same burst from a client with no history is BULK's business, not SPIKE's
    for (int i = 0; i < 150; ++i) fresh.message(uint64_t(60 * 105) * kSec + uint64_t(i), "a.example", 1, false);
    EXPECT_EQ(fresh.sink.count(shm::Detector::SPIKE), 0);
}

TEST(Detect, SpikeBaselineDecaysOverIdleWindows) {
    config::Config c;
    c.detectors.spike_min_queries = 100;
    Harness h(c);
    for (int w = 0; w < 5; ++w) // baseline 100 per window: 150 later would be no spike...
        for (int i = 0; i < 100; ++i) h.message(uint64_t(60 * (100 + w)) * kSec + uint64_t(i) * kSec / 4, "a.example", 1, false);
    // ... but after 20 idle windows the baseline has decayed (0.75^20 ~ 0.3%): 150 is a spike.
    for (int i = 0; i < 150; ++i) h.message(uint64_t(60 * 125) * kSec + uint64_t(i) * kSec / 4, "a.example", 1, false);
    EXPECT_EQ(h.sink.count(shm::Detector::SPIKE), 1);
}

// A capture whose clock steps back an hour: the client's windows start again
// there; before, every later packet fell in the stuck window and a client
// asking 25 names a minute came out BULK (a second attack round).
TEST(Detect, ClockSteppingBackStartsANewWindow) {
    config::Config c;
    c.detectors.bulk_queries = 100;
    Harness h(c);
    const uint64_t start = 36'000 * kSec;
    for (uint64_t minute = 0; minute < 20; ++minute) {
        const uint64_t base = minute < 10 ? start + minute * 60 * kSec : start - 3600 * kSec + (minute - 10) * 60 * kSec;
        for (uint64_t i = 0; i < 25; ++i) h.message(base + i * 2 * kSec, "www.example.com", 1, false);
    }
    EXPECT_EQ(h.sink.count(shm::Detector::BULK), 0);
    EXPECT_EQ(h.sink.count(shm::Detector::SPIKE), 0);
}

TEST(Detect, ReorderedPacketStaysInCurrentWindow) {
    Harness h;
    h.message(1000 * kSec, "corp.example", 252, false);        // window [960, 1020)
    h.message(1021 * kSec, "corp.example", 252, false);        // new window: fires again
    h.message(1019 * kSec, "corp.example", 252, false);        // late packet: no reset, no third alert
    EXPECT_EQ(h.sink.count(shm::Detector::RARE), 2);
}

namespace {
uint64_t evidence_of(const shm::DetectionRecord& r, const char* key) { return r.evidence_value(key, ~0ull); }
} // namespace

// The worker's share of the site-wide SPIKE: one summary per closed window,
// saying how many queries it counted, who asked most, and from which window
// on it still counts; the last one at end of input is marked final.
TEST(Detect, WindowSummariesCountQueriesPerWindowAndNameTheBusiestClient) {
    Harness h;
    const uint64_t w = 60 * kSec, t0 = 1000 * w; // window-aligned
    for (int i = 0; i < 3; ++i) h.message(t0 + i * kSec, "a.example.com", 1, false);
    h.message(t0 + 5 * kSec, "a.example.com", 1, true); // responses are not volume
    dns::IpAddr busy = v4(10, 9, 9, 9);
    h.client = busy;
    for (int i = 0; i < 5; ++i) h.message(t0 + 10 * kSec + i, "b.example.com", 1, false);
    EXPECT_TRUE(h.sink.summaries.empty()) << "no window closed yet";

    h.message(t0 + 3 * w + kSec, "c.example.com", 1, false); // two silent windows, then traffic
    ASSERT_EQ(h.sink.summaries.size(), 1u);
    const shm::DetectionRecord s = h.sink.summaries[0]; // a copy: the vector grows below
    EXPECT_EQ(s.window_start_ns, t0);
    EXPECT_EQ(s.window_s, 60u);
    EXPECT_EQ(s.ts_ns, t0 + 3 * w) << "every window before the next one with traffic is closed";
    EXPECT_EQ(evidence_of(s, "queries"), 8u);
    EXPECT_EQ(evidence_of(s, "top_client_queries"), 5u);
    EXPECT_EQ(0, std::memcmp(s.client, busy.bytes, 16));
    EXPECT_EQ(s.flags & shm::kFlagFinalWindow, 0);

    h.engine->end_of_input();
    ASSERT_EQ(h.sink.summaries.size(), 2u);
    EXPECT_EQ(h.sink.summaries[1].window_start_ns, t0 + 3 * w);
    EXPECT_EQ(evidence_of(h.sink.summaries[1], "queries"), 1u);
    EXPECT_NE(h.sink.summaries[1].flags & shm::kFlagFinalWindow, 0);
    EXPECT_GT(h.sink.summaries[1].seq, s.seq) << "one sequence per worker for every record";
    EXPECT_EQ(h.counters.window_summaries, 2u);
    EXPECT_TRUE(h.sink.got.empty()) << "summaries are not detections";
}

// A live worker with no traffic moves its window on with the clock, so the
// daemon need not wait for it; a reordered packet stays in the window in hand.
TEST(Detect, IdleClockClosesTheWindowAndLatePacketsStayInTheCurrentOne) {
    Harness h;
    const uint64_t w = 60 * kSec, t0 = 2000 * w;
    h.message(t0 + kSec, "a.example.com", 1, false);
    h.engine->advance_clock(t0 + 30 * kSec);
    EXPECT_TRUE(h.sink.summaries.empty());
    h.engine->advance_clock(t0 + w + kSec);
    ASSERT_EQ(h.sink.summaries.size(), 1u);
    EXPECT_EQ(h.sink.summaries[0].ts_ns, t0 + w);
    h.message(t0 + 59 * kSec, "late.example.com", 1, false); // older than the window in hand
    h.engine->end_of_input();
    ASSERT_EQ(h.sink.summaries.size(), 2u);
    EXPECT_EQ(h.sink.summaries[1].window_start_ns, t0 + w);
    EXPECT_EQ(evidence_of(h.sink.summaries[1], "queries"), 1u);
}

TEST(Detect, SteeredClientKeyIsUsedOnlyWhenSteeringTookTheSameEnd) {
    Harness h;
    const dns::IpAddr stranger = v4(192, 0, 2, 99);
    // Steering took the source as the client, as the engine does for a query:
    // its key and hash are used as given (here, on purpose, another address's).
    detect::SteeredClient same_end{true, state::ClientTable::ref(stranger, h.cfg.dataplane.ipv6_client_prefix)};
    h.message(10 * kSec, "a.example.com", 1, false, 0, 1, 0, &same_end);
    EXPECT_EQ(h.engine->clients().active(), 1u);
    // Steering took the other end (a TCP segment whose peeked QR bit was not
    // its message's): the engine keys the client itself.
    detect::SteeredClient other_end{false, same_end.ref};
    h.message(11 * kSec, "b.example.com", 1, false, 0, 1, 0, &other_end, dns::Transport::tcp);
    EXPECT_EQ(h.engine->clients().active(), 2u);
    h.message(12 * kSec, "c.example.com", 1, false);
    EXPECT_EQ(h.engine->clients().active(), 2u); // the same, real client as the message before
    EXPECT_EQ(h.counters.dns_queries, 3u);
}
