// Site-wide SPIKE from window summaries: windows judged only once every
// worker moved past them, the same verdict whatever the worker split, silent
// windows decaying the baseline, and bounded memory.
#include "mgmt/site_spike.hpp"
#include "mgmt/test_records.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace recontap;
using mgmt::testing::kSecond;

namespace {

constexpr uint64_t kWindow = 60 * kSecond;
constexpr uint64_t kT0 = 30'000'000 * kWindow; // window-aligned

shm::DetectionRecord summary(uint8_t worker, uint64_t window, uint64_t queries, uint64_t top, uint8_t top_octet,
                             uint64_t next_window = 0) {
    shm::DetectionRecord r{};
    r.kind = uint8_t(shm::RecordKind::window_summary);
    r.detector = uint8_t(shm::Detector::SPIKE);
    r.worker = worker;
    r.window_start_ns = kT0 + window * kWindow;
    r.ts_ns = kT0 + (next_window ? next_window : window + 1) * kWindow;
    r.window_s = 60;
    r.client_family = 4;
    r.client[0] = 10, r.client[3] = top_octet;
    r.add_evidence("queries", queries);
    r.add_evidence("top_client_queries", top);
    return r;
}

uint64_t evidence(const shm::DetectionRecord& r, const char* key) { return r.evidence_value(key, ~0ull); }

config::Detectors thresholds() {
    config::Detectors t;
    t.site_spike_factor = 4;
    t.site_spike_min_queries = 5000;
    t.spike_baseline_windows = 5;
    t.spike_alpha = 0.25;
    return t;
}

} // namespace

TEST(SiteSpike, WindowWaitsForEveryWorkerThenSpikesAgainstTheSiteBaseline) {
    config::Detectors t = thresholds();
    mgmt::SiteSpike s(t);
    s.attach(2);
    std::vector<shm::DetectionRecord> out;
    for (uint64_t w = 0; w < 5; ++w) { // a steady 1,500 queries a window, split 1,000 / 500
        s.add(summary(0, w, 1000, 40, 1), out);
        EXPECT_EQ(s.counters().windows_judged, w) << "worker 1 has not moved past window " << w;
        s.add(summary(1, w, 500, 30, 2), out);
        EXPECT_EQ(s.counters().windows_judged, w + 1);
    }
    EXPECT_TRUE(out.empty());
    s.add(summary(0, 5, 4000, 700, 7), out); // 7,000 in all: past 4 x 1,500 and past 5,000
    s.add(summary(1, 5, 3000, 900, 9), out);
    ASSERT_EQ(out.size(), 1u);
    const shm::DetectionRecord& r = out[0];
    EXPECT_EQ(r.kind, uint8_t(shm::RecordKind::detection));
    EXPECT_EQ(r.detector, uint8_t(shm::Detector::SPIKE));
    EXPECT_EQ(r.worker, mgmt::kDaemonWorker);
    EXPECT_EQ(r.flags, shm::kFlagSiteWide);
    EXPECT_STREQ(r.detail, "site-wide");
    EXPECT_EQ(evidence(r, "site_queries"), 7000u);
    EXPECT_EQ(evidence(r, "baseline_per_window"), 1500u);
    EXPECT_EQ(evidence(r, "history_windows"), 5u);
    EXPECT_EQ(evidence(r, "top_client_queries"), 900u);
    EXPECT_EQ(r.client[3], 9) << "the busiest client of the window is the alert's source";
    EXPECT_EQ(r.window_start_ns, kT0 + 5 * kWindow);
    EXPECT_EQ(r.ts_ns, kT0 + 6 * kWindow) << "stamped at the end of the window";
}

TEST(SiteSpike, SameVerdictWithOneWorkerAsWithTwo) {
    config::Detectors t = thresholds();
    mgmt::SiteSpike one(t), two(t);
    one.attach(1);
    two.attach(2);
    std::vector<shm::DetectionRecord> a, b;
    const uint64_t per_window[] = {1200, 1300, 1100, 1250, 1200, 1150, 9000, 1200};
    for (uint64_t w = 0; w < 8; ++w) {
        one.add(summary(0, w, per_window[w], per_window[w] / 3, 5), a);
        two.add(summary(1, w, per_window[w] / 3, per_window[w] / 3, 5), b); // worker 1 first this time
        two.add(summary(0, w, per_window[w] - per_window[w] / 3, 10, 6), b);
    }
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    for (const char* key : {"site_queries", "baseline_per_window", "history_windows", "top_client_queries"})
        EXPECT_EQ(evidence(a[0], key), evidence(b[0], key)) << key;
    EXPECT_EQ(a[0].window_start_ns, b[0].window_start_ns);
    EXPECT_EQ(a[0].client[3], b[0].client[3]);
}

// Ten silent windows decay a 10,000 baseline to ~560: 6,000 is then a spike.
// Were the silence ignored, 6,000 would sit under 4 x 10,000.
TEST(SiteSpike, SilentWindowsCountAsZero) {
    config::Detectors t = thresholds();
    mgmt::SiteSpike s(t);
    s.attach(1);
    std::vector<shm::DetectionRecord> out;
    for (uint64_t w = 0; w < 5; ++w) s.add(summary(0, w, 10000, 100, 1, w == 4 ? 15 : w + 1), out);
    s.add(summary(0, 15, 6000, 100, 1), out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(evidence(out[0], "history_windows"), 15u);
    EXPECT_LT(evidence(out[0], "baseline_per_window"), 1500u);
}

TEST(SiteSpike, FinalSummariesJudgeEverythingAndLateOnesAreCounted) {
    config::Detectors t = thresholds();
    mgmt::SiteSpike s(t);
    s.attach(2);
    std::vector<shm::DetectionRecord> out;
    s.add(summary(0, 0, 10, 1, 1), out);
    shm::DetectionRecord last = summary(0, 1, 10, 1, 1);
    last.ts_ns = ~0ull; // worker 0 is done
    last.flags = shm::kFlagFinalWindow;
    s.add(last, out);
    EXPECT_EQ(s.counters().windows_judged, 0u) << "worker 1 never reported";
    s.flush(out);
    EXPECT_EQ(s.counters().windows_judged, 2u);
    EXPECT_EQ(s.counters().windows_forced, 2u);
    s.add(summary(1, 0, 10, 1, 2), out);
    EXPECT_EQ(s.counters().late_summaries, 1u);
    EXPECT_EQ(s.json()["windows_pending"], 0u);
}

TEST(SiteSpike, PendingWindowsAreBoundedAndANewBootStartsOver) {
    config::Detectors t = thresholds();
    mgmt::SiteSpike s(t, 8);
    s.attach(2);
    std::vector<shm::DetectionRecord> out;
    for (uint64_t w = 0; w < 20; ++w) s.add(summary(0, w, 10, 1, 1), out); // worker 1 silent, never moves
    EXPECT_EQ(s.json()["windows_pending"], 8u);
    EXPECT_EQ(s.counters().windows_forced, 12u);
    s.attach(4);
    EXPECT_EQ(s.counters().windows_abandoned, 8u);
    EXPECT_EQ(s.json()["windows_pending"], 0u);
    EXPECT_EQ(s.json()["history_windows"], 0u);
}
