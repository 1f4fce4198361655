#include "mgmt/alert_log.hpp"

#include <gtest/gtest.h>

using namespace recontap::mgmt;
using nlohmann::json;

namespace {
json alert(const std::string& client, const std::string& detector, int tier, const std::string& ts) {
    return {{"src_ip", client},
            {"timestamp", ts},
            {"alert", {{"metadata", {{"detector", {detector}}, {"tier", {std::to_string(tier)}}}}}}};
}
} // namespace

TEST(AlertLog, RecentKeepsTheNewestInOrder) {
    AlertLog log(3, 100);
    for (int i = 0; i < 5; ++i) log.add(alert("10.0.0.1", "NXD", 1, "t" + std::to_string(i)), 0);
    json recent = log.recent(10);
    ASSERT_EQ(recent.size(), 3u);
    EXPECT_EQ(recent[0]["timestamp"], "t2");
    EXPECT_EQ(recent[2]["timestamp"], "t4");
    EXPECT_EQ(log.recent(1)[0]["timestamp"], "t4");
    EXPECT_TRUE(log.recent(0).empty());
}

// Two workers' alerts arrive one worker's batch after the other's; the
// newest are the newest by packet time, not the last delivered.
TEST(AlertLog, RecentIsOrderedByPacketTimeAcrossWorkers) {
    constexpr uint64_t s = 1'000'000'000ull;
    AlertLog log(3, 100);
    log.add(alert("10.0.0.1", "PDNS", 1, "t10"), 10 * s); // worker 0
    log.add(alert("10.0.0.1", "EXT", 1, "t135"), 135 * s);
    log.add(alert("10.0.0.2", "NXD", 1, "t56"), 56 * s);  // worker 1, delivered later
    log.add(alert("10.0.0.2", "ENUM", 1, "t90"), 90 * s);
    json recent = log.recent(10);
    ASSERT_EQ(recent.size(), 3u);
    EXPECT_EQ(recent[0]["timestamp"], "t56");
    EXPECT_EQ(recent[1]["timestamp"], "t90");
    EXPECT_EQ(recent[2]["timestamp"], "t135");
    log.add(alert("10.0.0.3", "RARE", 1, "t5"), 5 * s); // older than all three kept: not among the newest
    EXPECT_EQ(log.recent(10)[0]["timestamp"], "t56");
    EXPECT_EQ(log.recent(1)[0]["timestamp"], "t135");
}

TEST(AlertLog, TopRanksByTierThenCountThenAddress) {
    AlertLog log(10, 100);
    log.add(alert("10.0.0.9", "PDNS", 1, "a"), 0);
    log.add(alert("10.0.0.2", "NXD", 1, "b"), 0);
    log.add(alert("10.0.0.2", "ENUM", 2, "c"), 0);
    log.add(alert("10.0.0.5", "BULK", 2, "d"), 0);
    for (int i = 0; i < 3; ++i) log.add(alert("10.0.0.7", "NXD", 1, "e"), 0); // most alerts, Tier 1 only
    json top = log.top(10);
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top[0], json({{"client", "10.0.0.2"}, {"highest_tier", 2}, {"alerts", 2}, {"tier2", 1},
                            {"detectors", {{"ENUM", 1}, {"NXD", 1}}}, {"last", "c"}}));
    EXPECT_EQ(top[1]["client"], "10.0.0.5");
    EXPECT_EQ(top[2]["client"], "10.0.0.7");
    EXPECT_EQ(top[2]["highest_tier"], 1);
    EXPECT_EQ(top[3]["client"], "10.0.0.9");
    EXPECT_EQ(log.top(1).size(), 1u);
}

// IPv6 clients are tallied by prefix: one spraying host is one row in top
// and one /64 in the blocklist (an ipset hash:net entry), not one per address.
TEST(AlertLog, Ipv6ClientsAreTalliedByTheirPrefix) {
    AlertLog log(10, 100, 64);
    log.add(alert("fd00::66:1234:0:0:1", "ENUM", 1, "a"), 1);
    log.add(alert("fd00::66:1234:0:0:2", "NXD", 1, "b"), 2);
    log.add(alert("fd00::67:1:2:3:4", "NXD", 2, "c"), 3);
    log.add(alert("10.0.0.1", "NXD", 1, "d"), 4);
    json top = log.top(10);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0]["client"], "fd00:0:0:67::/64"); // Tier 2 first
    EXPECT_EQ(top[1]["client"], "fd00:0:0:66::/64");
    EXPECT_EQ(top[1]["alerts"], 2);
    json block = log.blocklist(0, 0);
    ASSERT_EQ(block.size(), 3u);
    EXPECT_EQ(block[0]["address"], "10.0.0.1"); // IPv4 first, then the prefixes in address order
    EXPECT_EQ(block[1]["address"], "fd00:0:0:66::/64");
    EXPECT_EQ(block[2]["address"], "fd00:0:0:67::/64");
    EXPECT_EQ(log.recent(10)[0]["src_ip"], "fd00::66:1234:0:0:1"); // the alerts keep the address itself
}

TEST(AlertLog, ClientTableIsBoundedAndOverflowCounted) {
    AlertLog log(10, 2);
    log.add(alert("10.0.0.1", "NXD", 1, "a"), 0);
    log.add(alert("10.0.0.2", "NXD", 1, "a"), 0);
    log.add(alert("10.0.0.3", "NXD", 1, "a"), 0);
    log.add(alert("10.0.0.1", "RARE", 1, "b"), 0);
    EXPECT_EQ(log.top(10).size(), 2u);
    EXPECT_EQ(log.untracked_alerts(), 1u);
    EXPECT_EQ(log.top(10)[0]["alerts"], 2);
    EXPECT_EQ(log.recent(10).size(), 4u); // recent alerts keep every client
}

TEST(AlertLog, BlocklistFiltersByHighestTierAndRecency) {
    constexpr uint64_t s = 1'000'000'000ull;
    AlertLog log(10, 100);
    log.add(alert("10.0.0.9", "PDNS", 1, "t100"), 100 * s);
    log.add(alert("10.0.0.10", "NXD", 1, "t200"), 200 * s);
    log.add(alert("10.0.0.10", "ENUM", 2, "t300"), 300 * s);
    log.add(alert("2001:db8::1", "RARE", 1, "t400"), 400 * s);
    log.add(alert("10.0.0.9", "PDNS", 1, "t500"), 500 * s);
    json all = log.blocklist(0, 0);
    ASSERT_EQ(all.size(), 3u);
    // Numeric address order (10.0.0.9 before 10.0.0.10), IPv4 before IPv6.
    EXPECT_EQ(all[0], json({{"address", "10.0.0.9"}, {"highest_tier", 1}, {"detectors", {"PDNS"}}, {"alerts", 2},
                            {"first_alert", "t100"}, {"last_alert", "t500"}}));
    EXPECT_EQ(all[1], json({{"address", "10.0.0.10"}, {"highest_tier", 2}, {"detectors", {"ENUM", "NXD"}},
                            {"alerts", 2}, {"first_alert", "t200"}, {"last_alert", "t300"}}));
    EXPECT_EQ(all[2]["address"], "2001:db8::1");
    json tier2 = log.blocklist(2, 0);
    ASSERT_EQ(tier2.size(), 1u);
    EXPECT_EQ(tier2[0]["address"], "10.0.0.10");
    EXPECT_EQ(log.blocklist(1, 0).size(), 2u);
    // Newest alert at 500 s: within 100 s are 10.0.0.9 (500) and 2001:db8::1 (400).
    json recent = log.blocklist(0, 100);
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(recent[0]["address"], "10.0.0.9");
    EXPECT_EQ(recent[1]["address"], "2001:db8::1");
    EXPECT_EQ(log.blocklist(0, 99).size(), 1u);
    EXPECT_EQ(log.blocklist(2, 100).size(), 0u);
}

// A site-wide SPIKE names the window's busiest client as its source; it is
// shown among recent alerts but does not count against that client.
TEST(AlertLog, SiteWideAlertsStayOutOfTopAndBlocklist) {
    AlertLog log(10, 100);
    json site = alert("10.0.0.7", "SPIKE", 1, "a");
    site["alert"]["context"] = {{"flags", {"site_wide"}}};
    log.add(site, 1);
    log.add(alert("10.0.0.8", "NXD", 1, "b"), 2);
    EXPECT_EQ(log.recent(10).size(), 2u);
    json top = log.top(10);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0]["client"], "10.0.0.8");
}
