// Site-wide SPIKE: the whole site's query volume per packet-time window
// against its own EWMA baseline. Every worker sees only the clients it owns,
// so each ships one window summary per closed window (detect/window_volume.hpp);
// this adds them up. A window is judged once every worker has moved past it
// (each summary says from which window on that worker still counts), so the
// verdict is the same whatever the number of workers and however their rings
// interleave. Alerts name the busiest client of the window as the source.
#pragma once
#include "config/config.hpp"
#include "shm/layout.hpp"
#include "state/rate_baseline.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <vector>

namespace recontap::mgmt {

inline constexpr uint8_t kDaemonWorker = 0xff; // worker index on records recontapd makes itself

struct SiteSpikeCounters {
    uint64_t summaries = 0;
    uint64_t windows_judged = 0;
    uint64_t spikes = 0;
    uint64_t late_summaries = 0;    // for a window already judged: its count came too late (counted, ignored)
    uint64_t windows_forced = 0;    // judged before every worker moved past (pending cap, or input end)
    uint64_t windows_abandoned = 0; // pending when a new data-plane boot replaced the old one
};

class SiteSpike {
public:
    explicit SiteSpike(const config::Detectors& thresholds, std::size_t max_pending_windows = 4096);

    // A data plane with n_workers attached: start over (its windows are its own).
    void attach(uint32_t n_workers);

    // One window summary; appends a SPIKE record for each window it completes that spikes.
    void add(const shm::DetectionRecord& summary, std::vector<shm::DetectionRecord>& spikes);

    // No more summaries will come (input delivered): judge what is pending.
    void flush(std::vector<shm::DetectionRecord>& spikes);

    const SiteSpikeCounters& counters() const { return counters_; }
    nlohmann::json json() const;

private:
    struct WindowSum {
        uint64_t queries = 0;
        uint64_t top_queries = 0;
        uint32_t window_s = 0;
        shm::DetectionRecord top{}; // the summary that named the busiest client
    };

    void judge_ready(std::vector<shm::DetectionRecord>& spikes);
    void judge(uint64_t start, const WindowSum& w, std::vector<shm::DetectionRecord>& spikes);

    const config::Detectors& t_;
    std::size_t max_pending_;
    std::vector<uint64_t> next_window_;  // per worker: every window before this is closed there
    std::map<uint64_t, WindowSum> pending_;
    uint64_t judged_through_ = 0;        // windows starting before this are judged
    uint64_t last_judged_ = 0;           // start of the last judged window (0: none)
    uint64_t last_queries_ = 0;          // its count, folded into the baseline when the next is judged
    state::RateBaseline baseline_{};
    SiteSpikeCounters counters_;
};

} // namespace recontap::mgmt
