// This worker's share of the site's query volume, per packet-time window.
// When a window closes, one window-summary record goes to recontapd over the
// event ring (shm::RecordKind::window_summary); recontapd adds up every
// worker's summaries and runs the site-wide SPIKE (mgmt/site_spike.hpp).
// A site-wide rate cannot be judged inside one worker: each sees only the
// clients it owns.
#pragma once
#include "config/config.hpp"
#include "detect/emit.hpp"
#include "detect/observation.hpp"

#include <cstdint>

namespace recontap::detect {

class WindowVolume {
public:
    // thresholds: the engine's live copy (window_s is fixed at start).
    WindowVolume(const config::Detectors& thresholds, Emitter& emitter) : t_(thresholds), emitter_(emitter) {}

    // One query from a client that has asked client_queries in this window.
    void count_query(const Observation& o, uint32_t client_queries) {
        if (o.ts_ns >= end_ns()) advance(o.ts_ns);
        ++queries_;
        if (client_queries > top_queries_) {
            top_queries_ = client_queries;
            top_client_ = o.client;
            top_server_ = o.server;
        }
    }

    // Closes the window in hand if now_ns is past it. Idle live workers call
    // this with the clock so recontapd need not wait for their traffic.
    void advance(uint64_t now_ns);

    // End of input: the last summary, marked final.
    void finish();

private:
    void send(uint64_t next_window_ns, bool final);
    uint64_t window_ns() const { return uint64_t(t_.window_s) * 1'000'000'000ull; }
    uint64_t end_ns() const { return start_ns_ ? start_ns_ + window_ns() : 0; } // of the window in hand

    const config::Detectors& t_;
    Emitter& emitter_;
    uint64_t start_ns_ = 0; // 0: no window yet
    uint64_t queries_ = 0;
    uint32_t top_queries_ = 0;
    dns::IpAddr top_client_{}, top_server_{};
};

} // namespace recontap::detect
