// SPIKE: a client suddenly asking far more than its own history says it
// does. The baseline is an EWMA of queries per window, folded in when a
// window closes (idle windows count as zero), so it is packet-time exact and
// the same whatever the worker count. The site-wide SPIKE (all clients
// together) is computed by recontapd from the workers' window summaries
// (detect/window_volume.hpp, mgmt/site_spike.hpp).
#include "detect/detectors.hpp"

#include <cmath>

namespace recontap::detect {

void spike_close_window(state::ClientState& c, uint64_t windows_elapsed, const config::Detectors& t) {
    c.history.queries.close_window(c.queries, windows_elapsed, float(t.spike_alpha));
}

void detect_spike(const Observation& o, state::ClientState& c, Emitter& e) {
    const auto& t = e.thresholds();
    const state::RateBaseline& b = c.history.queries;
    if (!o.is_query() || !b.spike(c.queries, t.spike_factor, t.spike_min_queries, t.spike_baseline_windows)) return;
    e.fire(shm::Detector::SPIKE, o, c,
           {{"queries", c.queries},
            {"baseline_per_window", uint64_t(std::lround(b.level()))},
            {"history_windows", b.windows_seen}});
}

} // namespace recontap::detect
