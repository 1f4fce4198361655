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
    for (int i = 0; i < 5; ++i) log.add(alert("10.0.0.1", "NXD", 1, "t" + std::to_string(i)));
    json recent = log.recent(10);
    ASSERT_EQ(recent.size(), 3u);
    EXPECT_EQ(recent[0]["timestamp"], "t2");
    EXPECT_EQ(recent[2]["timestamp"], "t4");
    EXPECT_EQ(log.recent(1)[0]["timestamp"], "t4");
    EXPECT_TRUE(log.recent(0).empty());
}

TEST(AlertLog, TopRanksByCountThenAddress) {
    AlertLog log(10, 100);
    log.add(alert("10.0.0.9", "PDNS", 1, "a"));
    log.add(alert("10.0.0.2", "NXD", 1, "b"));
    log.add(alert("10.0.0.2", "ENUM", 2, "c"));
    log.add(alert("10.0.0.5", "BULK", 2, "d"));
    json top = log.top(10);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0], json({{"client", "10.0.0.2"}, {"alerts", 2}, {"tier2", 1},
                            {"detectors", {{"ENUM", 1}, {"NXD", 1}}}, {"last", "c"}}));
    EXPECT_EQ(top[1]["client"], "10.0.0.5");
    EXPECT_EQ(top[2]["client"], "10.0.0.9");
    EXPECT_EQ(log.top(1).size(), 1u);
}

TEST(AlertLog, ClientTableIsBoundedAndOverflowCounted) {
    AlertLog log(10, 2);
    log.add(alert("10.0.0.1", "NXD", 1, "a"));
    log.add(alert("10.0.0.2", "NXD", 1, "a"));
    log.add(alert("10.0.0.3", "NXD", 1, "a"));
    log.add(alert("10.0.0.1", "RARE", 1, "b"));
    EXPECT_EQ(log.top(10).size(), 2u);
    EXPECT_EQ(log.untracked_alerts(), 1u);
    EXPECT_EQ(log.top(10)[0]["alerts"], 2);
    EXPECT_EQ(log.recent(10).size(), 4u); // recent alerts keep every client
}
