// SPIKE: a client suddenly asking far more than its own history says it
// does. The baseline is an EWMA of queries per window, folded in when a
// window closes (idle windows count as zero), so it is packet-time exact and
// the same whatever the worker count.
#include "detect/detectors.hpp"

#include <algorithm>
#include <cmath>

namespace recontap::detect {

void spike_close_window(state::ClientState& c, uint64_t windows_elapsed, const config::Detectors& t) {
    state::ClientHistory& h = c.history;
    const float a = float(t.spike_alpha);
    h.queries_ewma = h.windows_seen ? a * float(c.queries) + (1 - a) * h.queries_ewma : float(c.queries);
    uint64_t idle = std::min<uint64_t>(windows_elapsed > 0 ? windows_elapsed - 1 : 0, 1024);
    h.queries_ewma *= std::pow(1 - a, float(idle));
    h.windows_seen = uint16_t(std::min<uint64_t>(uint64_t(h.windows_seen) + 1 + idle, UINT16_MAX));
}

void detect_spike(const Observation& o, state::ClientState& c, Emitter& e) {
    const auto& t = e.thresholds();
    if (!o.is_query() || c.history.windows_seen < t.spike_baseline_windows || c.queries < t.spike_min_queries) return;
    float baseline = std::max(c.history.queries_ewma, 1.0f);
    if (float(c.queries) < float(t.spike_factor) * baseline) return;
    e.fire(shm::Detector::SPIKE, o, c,
           {{"queries", c.queries},
            {"baseline_per_window", uint64_t(std::lround(baseline))},
            {"history_windows", c.history.windows_seen}});
}

} // namespace recontap::detect
