#include "mgmt/escalation.hpp"
#include "mgmt/eve.hpp"
#include "mgmt/test_records.hpp"
#include "mgmt/watchlist.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace recontap;
using namespace recontap::mgmt;
using mgmt::testing::record;
using nlohmann::json;
using shm::Detector;

namespace {

std::string error_of(std::string_view text) {
    config::Cidr net;
    std::string why;
    EXPECT_FALSE(parse_watch_net(text, net, why)) << text;
    return why;
}

dns::IpAddr ip(const char* text) {
    dns::IpAddr a;
    EXPECT_TRUE(config::parse_ip(text, a)) << text;
    return a;
}

struct TempDir {
    std::string path = ::testing::TempDir() + "watchlist-test-" + std::to_string(getpid());
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string read_file(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
}

} // namespace

TEST(Watchlist, BadAddressesAndPrefixesSayWhatIsWrong) {
    EXPECT_EQ(error_of("10.0.0.300"), "\"10.0.0.300\" is not an IPv4 or IPv6 address (expected ADDRESS or ADDRESS/PREFIX)");
    EXPECT_EQ(error_of("host.example"),
              "\"host.example\" is not an IPv4 or IPv6 address (expected ADDRESS or ADDRESS/PREFIX)");
    EXPECT_EQ(error_of("10.0.0.0/33"), "\"10.0.0.0/33\": the prefix length must be a number from 0 to 32");
    EXPECT_EQ(error_of("10.0.0.0/x"), "\"10.0.0.0/x\": the prefix length must be a number from 0 to 32");
    EXPECT_EQ(error_of("10.0.0.0/"), "\"10.0.0.0/\": the prefix length must be a number from 0 to 32");
    EXPECT_EQ(error_of("2001:db8::/129"), "\"2001:db8::/129\": the prefix length must be a number from 0 to 128");
    EXPECT_EQ(error_of("10.0.0.5/24"), "\"10.0.0.5/24\": host bits are set beyond /24 (give the network address)");
    // inet_pton would stop at an embedded NUL and take the text before it.
    const std::string with_nul("10.0.0.1\0junk", 13);
    EXPECT_EQ(error_of(with_nul),
              "\"" + with_nul + "\" is not an IPv4 or IPv6 address (expected ADDRESS or ADDRESS/PREFIX)");
    config::Cidr net;
    std::string why;
    ASSERT_TRUE(parse_watch_net("2001:db8:1::/48", net, why)) << why;
    EXPECT_EQ(cidr_text(net), "2001:db8:1::/48");
    ASSERT_TRUE(parse_watch_net("10.0.0.5", net, why)) << why;
    EXPECT_EQ(cidr_text(net), "10.0.0.5/32");
}

TEST(Watchlist, MostSpecificEntryMatchesAndNotesCanBeReplaced) {
    Watchlist w("");
    std::string why;
    ASSERT_TRUE(w.add("10.0.0.0/8", "whole lab", why)) << why;
    ASSERT_TRUE(w.add("10.1.2.0/24", "pen-test subnet", why)) << why;
    ASSERT_TRUE(w.add("2001:db8::/32", "v6 lab", why)) << why;
    EXPECT_EQ(w.match(ip("10.1.2.77"))->label, "pen-test subnet");
    EXPECT_EQ(w.match(ip("10.9.9.9"))->label, "whole lab");
    EXPECT_EQ(w.match(ip("2001:db8:5::1"))->label, "v6 lab");
    EXPECT_EQ(w.match(ip("192.168.1.1")), nullptr);
    ASSERT_TRUE(w.add("10.1.2.0/24", "pen-test over, watch anyway", why)) << why;
    EXPECT_EQ(w.entries().size(), 3u); // replaced, not duplicated
    EXPECT_EQ(w.match(ip("10.1.2.77"))->label, "pen-test over, watch anyway");
    ASSERT_TRUE(w.remove("10.1.2.0/24", why)) << why;
    EXPECT_EQ(w.match(ip("10.1.2.77"))->label, "whole lab");
    EXPECT_FALSE(w.remove("10.1.2.0/24", why));
    EXPECT_EQ(why, "10.1.2.0/24 is not on the watchlist");
    EXPECT_FALSE(w.add("10.0.0.1", std::string(kMaxWatchNoteBytes + 1, 'n'), why));
    EXPECT_EQ(why, "note is 257 bytes; at most 256");
    EXPECT_FALSE(w.add("10.0.0.1", "line\nbreak", why));
    EXPECT_EQ(why, "note contains control characters");
    EXPECT_EQ(w.entries().size(), 2u);
}

TEST(Watchlist, FullListRefusesNewEntriesButAcceptsNoteChanges) {
    Watchlist w("");
    std::string why;
    for (std::size_t i = 0; i < kMaxWatchlistEntries; ++i) {
        std::string net = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
        ASSERT_TRUE(w.add(net, "", why)) << net << ": " << why;
    }
    EXPECT_FALSE(w.add("192.168.0.1", "", why));
    EXPECT_EQ(why, "the watchlist is full (4096 entries); remove entries or watch a covering prefix instead");
    EXPECT_TRUE(w.add("10.0.0.0/24", "new note", why)) << why;
    EXPECT_EQ(w.match(ip("10.15.255.9"))->net.prefix, 24);
    EXPECT_EQ(w.match(ip("10.0.0.9"))->label, "new note");
}

TEST(Watchlist, KeptInAFileAcrossInstancesWrittenAtomically) {
    TempDir dir;
    const std::string path = dir.path + "/state/watchlist.json";
    std::string why;
    {
        Watchlist w(path);
        ASSERT_TRUE(w.load(why)) << why; // no file yet: empty
        EXPECT_TRUE(w.entries().empty());
        ASSERT_TRUE(w.add("10.0.0.7", "laptop of the intern \"bob\"", why)) << why;
        ASSERT_TRUE(w.add("2001:db8::/64", "", why)) << why;
        ASSERT_TRUE(w.remove("2001:db8::/64", why)) << why;
        ASSERT_TRUE(w.add("fd00::/8", "ula", why)) << why;
    }
    json doc = json::parse(read_file(path));
    ASSERT_EQ(doc["watchlist"].size(), 2u);
    EXPECT_EQ(doc["watchlist"][0]["net"], "10.0.0.7/32");
    EXPECT_EQ(doc["watchlist"][0]["note"], "laptop of the intern \"bob\"");
    EXPECT_EQ(doc["watchlist"][0]["added"].get<std::string>().size(), 20u); // 2026-12-03T16:10:00Z
    std::size_t files = 0;
    for (auto& e : std::filesystem::directory_iterator(dir.path + "/state")) files += e.is_regular_file();
    EXPECT_EQ(files, 1u); // no temp file left behind

    Watchlist again(path);
    ASSERT_TRUE(again.load(why)) << why;
    ASSERT_EQ(again.entries().size(), 2u);
    EXPECT_EQ(again.match(ip("10.0.0.7"))->label, "laptop of the intern \"bob\"");
    EXPECT_EQ(again.match(ip("fd12::1"))->label, "ula");
    EXPECT_EQ(again.to_json(), doc["watchlist"]);
}

TEST(Watchlist, UnreadableOrDamagedFilesAreRefusedWithTheReason) {
    TempDir dir;
    std::filesystem::create_directories(dir.path);
    const std::string path = dir.path + "/watchlist.json";
    std::string why;
    std::ofstream(path) << "{\"watchlist\": [";
    EXPECT_FALSE(Watchlist(path).load(why));
    EXPECT_EQ(why, path + ": not a watchlist file (expected {\"watchlist\": [...]})");
    std::ofstream(path) << R"({"watchlist": [{"net": "10.0.0.0/8"}, {"net": "10.0.0.1/8"}]})";
    EXPECT_FALSE(Watchlist(path).load(why));
    EXPECT_EQ(why, path + ": entry 2: \"10.0.0.1/8\": host bits are set beyond /8 (give the network address)");
    std::ofstream(path) << R"({"watchlist": [{"note": "x"}]})";
    EXPECT_FALSE(Watchlist(path).load(why));
    EXPECT_EQ(why, path + ": entry 1: expected an object with a \"net\" string");
    // A hand-edited note or time that is not text: refused with the reason, not an abort.
    std::ofstream(path) << R"({"watchlist": [{"net": "10.0.0.1", "note": 5}]})";
    EXPECT_FALSE(Watchlist(path).load(why));
    EXPECT_EQ(why, path + ": entry 1: \"note\" must be a string");
    std::ofstream(path) << R"({"watchlist": [{"net": "10.0.0.1", "added": null}]})";
    EXPECT_FALSE(Watchlist(path).load(why));
    EXPECT_EQ(why, path + ": entry 1: \"added\" must be a string");
    std::ofstream(path) << R"({"watchlist": [{"net": "10.0.0.0/8"}, {"net": "10.0.0.9"}, {"net": "10.0.0.0/8"}]})";
    EXPECT_FALSE(Watchlist(path).load(why));
    EXPECT_EQ(why, path + ": entry 3: 10.0.0.0/8 is already entry 1 (keep one)");
    EXPECT_FALSE(Watchlist(dir.path).load(why)); // a folder
    EXPECT_EQ(why, dir.path + ": cannot read: Is a directory");
}

TEST(Watchlist, ASaveThatFailsChangesNothing) {
    Watchlist w("/proc/self/no-such-dir/watchlist.json");
    std::string why;
    EXPECT_FALSE(w.add("10.0.0.1", "", why));
    EXPECT_NE(why.find("cannot save the watchlist"), std::string::npos) << why;
    EXPECT_TRUE(w.entries().empty());
    EXPECT_EQ(w.match(ip("10.0.0.1")), nullptr);
}

// A watched client's Tier-1 detections come out Tier 2, every repeat passes,
// and the alert names the entry and the analyst's note.
TEST(Watchlist, WatchedClientsAreEscalatedAndNeverSuppressed) {
    config::Detectors thresholds;
    thresholds.suppress_s = 1800;
    Escalator e(thresholds, 100);
    Watchlist w("");
    std::string why;
    ASSERT_TRUE(w.add("10.0.0.0/30", "suspected insider", why)) << why;
    shm::DetectionRecord watched = record(Detector::NXD, 2, 0);
    ASSERT_NE(w.match(watched), nullptr);
    for (uint64_t t : {0, 10, 20}) {
        watched.ts_ns = mgmt::testing::kBase + t * mgmt::testing::kSecond;
        Decision d = e.decide(watched, w.match(watched));
        EXPECT_TRUE(d.emit) << t;
        EXPECT_EQ(d.tier, 2) << t;
        EXPECT_STREQ(d.tier_reason, "client on the analysts' watchlist");
        json alert = make_alert(watched, d)["alert"];
        EXPECT_EQ(alert["severity"], 1);
        EXPECT_EQ(alert["metadata"]["tier"], json({"2"}));
        EXPECT_EQ(alert["metadata"]["watchlist"], json({"10.0.0.0/30"}));
        EXPECT_EQ(alert["context"]["watchlist"], json({{"entry", "10.0.0.0/30"}, {"note", "suspected insider"}}));
    }
    // A fixed Tier 2 reason stays the reason; the watchlist is still named.
    shm::DetectionRecord bulk = record(Detector::BULK, 1, 0);
    Decision d = e.decide(bulk, w.match(bulk));
    EXPECT_STREQ(d.tier_reason, "bulk recon querying");
    EXPECT_EQ(make_alert(bulk, d)["alert"]["context"]["watchlist"]["note"], "suspected insider");
    // The same detections from an unwatched client: Tier 1, repeats held back.
    shm::DetectionRecord other = record(Detector::NXD, 9, 0);
    EXPECT_EQ(w.match(other), nullptr);
    Decision first = e.decide(other, w.match(other));
    EXPECT_EQ(first.tier, 1);
    EXPECT_FALSE(make_alert(other, first)["alert"]["metadata"].contains("watchlist"));
    other.ts_ns += 10 * mgmt::testing::kSecond;
    EXPECT_FALSE(e.decide(other, w.match(other)).emit);
    EXPECT_EQ(e.counters().watched, 4u);
    EXPECT_EQ(e.counters().suppressed, 1u);
}
