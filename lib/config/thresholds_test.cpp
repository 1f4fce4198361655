#include "config/thresholds.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace recontap::config;

namespace {

std::string error_of(Detectors& d, const char* key, const char* value) {
    try {
        set_threshold(d, key, value);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(Thresholds, ListsEveryDetectorsKeyTheLoaderKnows) {
    std::vector<std::string> loader;
    for (const auto& k : known_keys())
        if (k.rfind("detectors.", 0) == 0) loader.push_back(k.substr(10));
    std::vector<std::string> ours;
    for (const auto& [k, v] : threshold_values(Detectors{})) ours.push_back(k);
    std::sort(loader.begin(), loader.end());
    std::sort(ours.begin(), ours.end());
    EXPECT_EQ(ours, loader);
}

TEST(Thresholds, ShowsDefaultsAsTomlWritesThem) {
    auto values = threshold_values(Detectors{});
    auto value_of = [&](const std::string& key) {
        for (const auto& [k, v] : values)
            if (k == key) return v;
        return std::string("missing");
    };
    EXPECT_EQ(value_of("bulk_queries"), "1000");
    EXPECT_EQ(value_of("nxd_ratio"), "0.5");
    EXPECT_EQ(value_of("spike_alpha"), "0.25");
    EXPECT_EQ(value_of("correlation_window_s"), "900");
}

TEST(Thresholds, SetsCountsAndRatios) {
    Detectors d;
    set_threshold(d, "bulk_queries", "500");
    set_threshold(d, "nxd_ratio", "0.75");
    set_threshold(d, "spike_alpha", "1");
    EXPECT_EQ(d.bulk_queries, 500u);
    EXPECT_DOUBLE_EQ(d.nxd_ratio, 0.75);
    EXPECT_DOUBLE_EQ(d.spike_alpha, 1.0);
    set_threshold(d, "spike_alpha", "0.1");
    auto values = threshold_values(d);
    auto alpha = std::find_if(values.begin(), values.end(), [](const auto& kv) { return kv.first == "spike_alpha"; });
    ASSERT_NE(alpha, values.end());
    EXPECT_EQ(alpha->second, "0.1");
    set_threshold(d, "spike_alpha", "1");
    Detectors expected;
    expected.bulk_queries = 500;
    expected.nxd_ratio = 0.75;
    expected.spike_alpha = 1.0;
    EXPECT_EQ(d, expected); // nothing else moved
}

TEST(Thresholds, RefusesWhatTheLoaderRefusesWithItsMessage) {
    Detectors d;
    EXPECT_EQ(error_of(d, "bulk_queries", "0"), "[detectors] bulk_queries: must be from 1 to 4294967295, got 0");
    EXPECT_EQ(error_of(d, "window_s", "86401"), "[detectors] window_s: must be from 1 to 86400, got 86401");
    EXPECT_EQ(error_of(d, "window_s", "300"),
              "[detectors] window_s: cannot change at run time (windows and SPIKE baselines are cut on it): "
              "set it in the configuration file and restart");
    EXPECT_EQ(error_of(d, "nxd_ratio", "1.5"), "[detectors] nxd_ratio: must be from 0 to 1, got 1.500000");
    EXPECT_EQ(error_of(d, "bulk_queries", "2.5"), "[detectors] bulk_queries: expected an integer, got a float");
    EXPECT_EQ(error_of(d, "ptr_sweep_hosts", "1"), "[detectors] ptr_sweep_hosts: must be from 2 to 256, got 1");
    // Values the detectors could never reach (one /24; 16-bit SPIKE history) would switch them off silently.
    EXPECT_EQ(error_of(d, "ptr_sweep_hosts", "257"), "[detectors] ptr_sweep_hosts: must be from 2 to 256, got 257");
    EXPECT_EQ(error_of(d, "spike_baseline_windows", "65536"),
              "[detectors] spike_baseline_windows: must be from 1 to 65535, got 65536");
    EXPECT_EQ(d, Detectors{}); // refused values change nothing
}

TEST(Thresholds, RefusesUnknownKeysAndNonNumbers) {
    Detectors d;
    EXPECT_NE(error_of(d, "bulk", "5").find("unknown key \"bulk\""), std::string::npos);
    EXPECT_EQ(error_of(d, "bulk_queries", "abc"), "[detectors] bulk_queries: expected a number, got \"abc\"");
    EXPECT_EQ(error_of(d, "bulk_queries", "5\nwindow_s = 1"),
              "[detectors] bulk_queries: expected a number, got \"5\nwindow_s = 1\"");
    EXPECT_EQ(error_of(d, "bulk_queries", ""), "[detectors] bulk_queries: expected a number, got \"\"");
    EXPECT_EQ(error_of(d, "bulk_queries", "1.2.3"), "[detectors] bulk_queries: expected a number, got \"1.2.3\"");
    EXPECT_EQ(d, Detectors{});
}

TEST(Thresholds, DaemonOwnsEscalationWindowsOnly) {
    EXPECT_TRUE(daemon_owned_threshold("correlation_window_s"));
    EXPECT_TRUE(daemon_owned_threshold("suppress_s"));
    EXPECT_FALSE(daemon_owned_threshold("bulk_queries"));
    EXPECT_FALSE(daemon_owned_threshold("window_s"));
}
