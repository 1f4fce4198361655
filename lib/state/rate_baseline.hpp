// An exponentially weighted moving average of a count per packet-time window,
// and the spike test against it. One definition for the per-client SPIKE
// (in each worker's client state) and the site-wide SPIKE (in recontapd, over
// every worker's window summaries), so both read the same way.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace recontap::state {

struct RateBaseline {
    float ewma;            // count per window, newest window weighted alpha
    uint16_t windows_seen; // windows folded in, idle ones included (saturates)

    // Folds a closed window's count in. windows_elapsed: how many windows
    // from the closed one to the next with traffic; the idle ones between
    // count as zero (bounded so a long silence costs no time).
    void close_window(uint64_t count, uint64_t windows_elapsed, float alpha) {
        ewma = windows_seen ? alpha * float(count) + (1 - alpha) * ewma : float(count);
        uint64_t idle = std::min<uint64_t>(windows_elapsed > 0 ? windows_elapsed - 1 : 0, 1024);
        ewma *= std::pow(1 - alpha, float(idle));
        windows_seen = uint16_t(std::min<uint64_t>(uint64_t(windows_seen) + 1 + idle, UINT16_MAX));
    }

    // The level a window is compared with (never below one per window).
    float level() const { return std::max(ewma, 1.0f); }

    // count is a spike: enough history, enough volume, factor x the level.
    bool spike(uint64_t count, uint32_t factor, uint64_t min_count, uint32_t min_windows) const {
        return windows_seen >= min_windows && count >= min_count && float(count) >= float(factor) * level();
    }
};

} // namespace recontap::state
