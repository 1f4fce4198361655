#include "mgmt/site_spike.hpp"

#include "shm/detail_tags.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace recontap::mgmt {

SiteSpike::SiteSpike(const config::Detectors& thresholds, std::size_t max_pending_windows)
    : t_(thresholds), max_pending_(std::max<std::size_t>(max_pending_windows, 1)) {}

void SiteSpike::attach(uint32_t n_workers) {
    counters_.windows_abandoned += pending_.size();
    pending_.clear();
    next_window_.assign(std::min(n_workers, shm::kMaxWorkers), 0);
    judged_through_ = last_judged_ = 0;
    baseline_ = {};
}

void SiteSpike::add(const shm::DetectionRecord& s, std::vector<shm::DetectionRecord>& spikes) {
    ++counters_.summaries;
    if (s.worker < next_window_.size()) next_window_[s.worker] = std::max(next_window_[s.worker], s.ts_ns);
    if (s.window_start_ns != 0) { // 0: an idle worker's clock tick, no window of its own
        if (s.window_start_ns < judged_through_) {
            ++counters_.late_summaries;
        } else {
            WindowSum& w = pending_[s.window_start_ns];
            w.queries += s.evidence_value("queries");
            w.window_s = s.window_s;
            uint64_t top = s.evidence_value("top_client_queries");
            if (top > w.top_queries || w.top.client_family == 0) {
                w.top_queries = top;
                w.top = s;
            }
        }
    }
    judge_ready(spikes);
    while (pending_.size() > max_pending_) { // a worker that never moves on must not grow this without end
        auto oldest = pending_.begin();
        ++counters_.windows_forced;
        judge(oldest->first, oldest->second, spikes);
        pending_.erase(oldest);
    }
}

void SiteSpike::flush(std::vector<shm::DetectionRecord>& spikes) {
    judge_ready(spikes);
    for (const auto& [start, w] : pending_) {
        ++counters_.windows_forced;
        judge(start, w, spikes);
    }
    pending_.clear();
}

void SiteSpike::judge_ready(std::vector<shm::DetectionRecord>& spikes) {
    if (next_window_.empty()) return;
    uint64_t closed_before = *std::min_element(next_window_.begin(), next_window_.end());
    while (!pending_.empty() && pending_.begin()->first < closed_before) {
        judge(pending_.begin()->first, pending_.begin()->second, spikes);
        pending_.erase(pending_.begin());
    }
}

// The baseline folds in the previous judged window only now, when the gap
// to this one is known: silent windows between them count as zero (the same
// arithmetic as a client's baseline, state/rate_baseline.hpp).
void SiteSpike::judge(uint64_t start, const WindowSum& w, std::vector<shm::DetectionRecord>& spikes) {
    const uint64_t window_ns = uint64_t(std::max<uint32_t>(w.window_s, 1)) * 1'000'000'000ull;
    ++counters_.windows_judged;
    if (last_judged_ != 0)
        baseline_.close_window(last_queries_, (start - last_judged_) / window_ns, float(t_.spike_alpha));
    last_judged_ = start;
    last_queries_ = w.queries;
    judged_through_ = start + 1;
    if (!baseline_.spike(w.queries, t_.site_spike_factor, t_.site_spike_min_queries, t_.spike_baseline_windows))
        return;
    ++counters_.spikes;
    shm::DetectionRecord r = w.top; // busiest client and the server it asked
    r.kind = uint8_t(shm::RecordKind::detection);
    r.detector = uint8_t(shm::Detector::SPIKE);
    r.worker = kDaemonWorker;
    r.seq = counters_.spikes;
    r.flags = shm::kFlagSiteWide;
    r.ts_ns = start + window_ns;
    r.window_start_ns = start;
    r.window_s = w.window_s;
    r.transport = 17;
    r.evidence_n = 0;
    r.add_evidence("site_queries", w.queries);
    r.add_evidence("baseline_per_window", uint64_t(std::lround(baseline_.level())));
    r.add_evidence("history_windows", baseline_.windows_seen);
    r.add_evidence("top_client_queries", w.top_queries);
    std::snprintf(r.detail, sizeof r.detail, "%s", shm::detail_tag::kSiteWide);
    spikes.push_back(r);
}

nlohmann::json SiteSpike::json() const {
    return {{"summaries", counters_.summaries},
            {"windows_judged", counters_.windows_judged},
            {"windows_pending", pending_.size()},
            {"spikes", counters_.spikes},
            {"late_summaries", counters_.late_summaries},
            {"windows_forced", counters_.windows_forced},
            {"windows_abandoned", counters_.windows_abandoned},
            {"baseline_per_window", baseline_.windows_seen ? double(baseline_.ewma) : 0.0},
            {"history_windows", baseline_.windows_seen}};
}

} // namespace recontap::mgmt
