#include "mgmt/escalation.hpp"
#include "mgmt/test_records.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include <string>

using namespace recontap;
using namespace recontap::mgmt;
using mgmt::testing::record;
using shm::Detector;

namespace {

config::Detectors thresholds() {
    config::Detectors d;
    d.correlation_window_s = 900;
    d.suppress_s = 1800;
    return d;
}

} // namespace

TEST(Escalation, TierTwoForThePlaybooksFixedReasons) {
    Escalator e(thresholds(), 100);
    EXPECT_EQ(e.decide(record(Detector::BULK, 1, 0)).tier, 2);
    EXPECT_STREQ(e.decide(record(Detector::MISCONF, 2, 0)).tier_reason, "misconfiguration being queried");
    EXPECT_EQ(e.decide(record(Detector::INTEL, 3, 0)).tier, 2);
    Decision sens_internal = e.decide(record(Detector::SENS, 4, 0, shm::kFlagInternalZone));
    EXPECT_EQ(sens_internal.tier, 2);
    EXPECT_STREQ(sens_internal.tier_reason, "targeted queries on an internal zone");
    EXPECT_EQ(e.decide(record(Detector::ENUM, 5, 0, shm::kFlagInternalZone)).tier, 2);
    Decision sens_public = e.decide(record(Detector::SENS, 6, 0));
    EXPECT_EQ(sens_public.tier, 1);
    EXPECT_TRUE(sens_public.emit);
    EXPECT_EQ(e.decide(record(Detector::NXD, 7, 0)).tier, 1);
    EXPECT_EQ(e.counters().tier2, 5u);
    EXPECT_EQ(e.counters().tier1, 2u);
}

TEST(Escalation, RepeatsAreSuppressedAndCountedUntilThePeriodEnds) {
    Escalator e(thresholds(), 100);
    EXPECT_TRUE(e.decide(record(Detector::NXD, 1, 0)).emit);
    for (uint64_t t : {10, 600, 1200, 1799, 1799})
        EXPECT_FALSE(e.decide(record(Detector::NXD, 1, t)).emit) << t;
    // Another client and another detector are separate pairs.
    EXPECT_TRUE(e.decide(record(Detector::NXD, 2, 20)).emit);
    EXPECT_TRUE(e.decide(record(Detector::RARE, 1, 20)).emit);
    Decision after = e.decide(record(Detector::NXD, 1, 1800));
    EXPECT_TRUE(after.emit);
    EXPECT_EQ(after.suppressed_since_last, 5u);
    Decision next = e.decide(record(Detector::NXD, 1, 1801));
    EXPECT_FALSE(next.emit);
    EXPECT_EQ(e.counters().suppressed, 6u);
    EXPECT_EQ(e.counters().emitted, 4u);
}

// A host spraying its /64 (massdns over IPv6) is one client: its repeats are
// suppressed whatever address each came from; another /64 is another client.
TEST(Escalation, AnIpv6ClientIsItsPrefix) {
    auto v6 = [](uint8_t net, uint8_t host, uint64_t t) {
        shm::DetectionRecord r = record(Detector::ENUM, 1, t);
        const uint8_t a[16] = {0xfd, 0, 0, 0, 0, 0, 0, net, 0x12, 0x34, 0, 0, 0, 0, 0, host};
        std::memcpy(r.client, a, 16);
        r.client_family = 6;
        return r;
    };
    Escalator by_prefix(thresholds(), 100, 64);
    EXPECT_TRUE(by_prefix.decide(v6(0x66, 1, 0)).emit);
    EXPECT_FALSE(by_prefix.decide(v6(0x66, 2, 60)).emit); // same /64, another address
    EXPECT_TRUE(by_prefix.decide(v6(0x67, 1, 60)).emit);  // another /64
    Escalator by_address(thresholds(), 100);              // 128: every address its own client
    EXPECT_TRUE(by_address.decide(v6(0x66, 1, 0)).emit);
    EXPECT_TRUE(by_address.decide(v6(0x66, 2, 60)).emit);
}

TEST(Escalation, ZeroDisablesSuppressionAndCorrelation) {
    config::Detectors off = thresholds();
    off.suppress_s = 0;
    off.correlation_window_s = 0;
    Escalator e(off, 100);
    EXPECT_TRUE(e.decide(record(Detector::PDNS, 1, 10)).emit);
    Decision earlier = e.decide(record(Detector::PDNS, 1, 5)); // packet time went back
    EXPECT_TRUE(earlier.emit);
    EXPECT_EQ(earlier.tier, 1);
    EXPECT_EQ(e.decide(record(Detector::NXD, 1, 10)).tier, 1);
    EXPECT_EQ(e.counters().suppressed, 0u);
    EXPECT_EQ(e.counters().correlations, 0u);
}

TEST(Escalation, PassiveDnsWithAnotherDetectionEscalatesTheSecond) {
    Escalator e(thresholds(), 100);
    Decision pdns = e.decide(record(Detector::PDNS, 1, 0));
    EXPECT_EQ(pdns.tier, 1);
    EXPECT_FALSE(pdns.correlated);
    Decision nxd = e.decide(record(Detector::NXD, 1, 900)); // exactly at the window's edge
    EXPECT_TRUE(nxd.emit);
    EXPECT_EQ(nxd.tier, 2);
    ASSERT_TRUE(nxd.correlated);
    EXPECT_EQ(nxd.correlated_detector, uint8_t(Detector::PDNS));
    EXPECT_EQ(nxd.correlated_ts_ns, mgmt::testing::kBase);
    EXPECT_STREQ(nxd.tier_reason, "detection coinciding with a passive-DNS lookup");
    // A repeat PDNS now pairs with the NXD: Tier 2 after Tier 1 passes suppression.
    Decision pdns_again = e.decide(record(Detector::PDNS, 1, 1000));
    EXPECT_TRUE(pdns_again.emit);
    EXPECT_EQ(pdns_again.tier, 2);
    EXPECT_EQ(pdns_again.correlated_detector, uint8_t(Detector::NXD));
    EXPECT_EQ(e.counters().escalations_through_suppression, 1u);
    // Tier 2 again within the period is an ordinary repeat.
    EXPECT_FALSE(e.decide(record(Detector::PDNS, 1, 1100)).emit);
    EXPECT_EQ(e.counters().correlations, 3u);
}

TEST(Escalation, NoCorrelationAcrossClientsOrOutsideTheWindow) {
    Escalator e(thresholds(), 100);
    e.decide(record(Detector::PDNS, 1, 0));
    EXPECT_EQ(e.decide(record(Detector::NXD, 2, 10)).tier, 1);  // other client
    EXPECT_EQ(e.decide(record(Detector::RARE, 1, 901)).tier, 1); // 901 s later
    EXPECT_EQ(e.counters().correlations, 0u);
}

TEST(Escalation, PassiveDnsPairsWithTheNearestOtherDetection) {
    Escalator e(thresholds(), 100);
    e.decide(record(Detector::RARE, 1, 100));
    e.decide(record(Detector::SENS, 1, 400));
    Decision pdns = e.decide(record(Detector::PDNS, 1, 500));
    EXPECT_EQ(pdns.tier, 2);
    EXPECT_EQ(pdns.correlated_detector, uint8_t(Detector::SENS));
    EXPECT_STREQ(pdns.tier_reason, "passive-DNS lookup coinciding with another detection");
}

TEST(Escalation, StateIsBoundedAndEvictionsCounted) {
    Escalator e(thresholds(), 2);
    EXPECT_TRUE(e.decide(record(Detector::NXD, 1, 0)).emit);
    EXPECT_TRUE(e.decide(record(Detector::NXD, 2, 0)).emit);
    EXPECT_FALSE(e.decide(record(Detector::NXD, 1, 1)).emit); // 1 is now most recent
    EXPECT_TRUE(e.decide(record(Detector::NXD, 3, 0)).emit);  // evicts 2
    EXPECT_EQ(e.counters().clients_evicted, 1u);
    EXPECT_EQ(e.clients(), 2u);
    EXPECT_TRUE(e.decide(record(Detector::NXD, 2, 2)).emit);  // forgotten, so alerted again
    EXPECT_FALSE(e.decide(record(Detector::NXD, 3, 3)).emit);
}

TEST(Escalation, UnknownDetectorIsCountedNotEmitted) {
    Escalator e(thresholds(), 10);
    shm::DetectionRecord r = record(Detector::NXD, 1, 0);
    r.detector = 200;
    EXPECT_FALSE(e.decide(r).emit);
    EXPECT_EQ(e.counters().invalid_detector, 1u);
    EXPECT_EQ(e.clients(), 0u);
}

TEST(Escalation, SameSequenceSameDecisions) {
    auto run = [] {
        Escalator e(thresholds(), 3);
        std::string trace;
        for (uint64_t i = 0; i < 200; ++i) {
            auto d = static_cast<Detector>(i * 7 % shm::kDetectorCount);
            Decision out = e.decide(record(d, uint8_t(i % 5), i * 97));
            trace += std::to_string(out.emit) + std::to_string(out.tier) + std::to_string(out.suppressed_since_last);
        }
        return trace;
    };
    EXPECT_EQ(run(), run());
}
