#include "mgmt/daemon.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

#include <ostream>

namespace recontap::mgmt {

using nlohmann::json;

Daemon::Daemon(DaemonOptions options, std::ostream& log)
    : options_(std::move(options)),
      log_(log),
      link_(options_.shm_name),
      escalator_(options_.detectors, options_.escalation_clients, options_.ipv6_client_prefix),
      site_spike_(options_.detectors),
      alert_log_(options_.recent_alerts, options_.top_clients, options_.ipv6_client_prefix),
      watchlist_(options_.watchlist_path) {}

bool Daemon::start(std::string& why) {
    started_ns_ = shm::monotonic_ns();
    if (!watchlist_.load(why)) return false;
    if (!watchlist_.entries().empty())
        log_ << "recontapd: watching " << watchlist_.entries().size() << " client(s) or prefix(es) from "
             << watchlist_.path() << std::endl;
    return eve_.open(options_.eve_path, why) && server_.open(options_.socket_path, why);
}

void Daemon::follow_dataplane(uint64_t now_ns) {
    std::optional<shm::Region> fresh = link_.poll_name(now_ns);
    if (!fresh) return;
    // A new boot: what the old one left in its rings is still owed to the analyst.
    if (link_.mapped() && !link_.taken_by_other_daemon(now_ns))
        for (int rounds = 0; rounds < 64 && drain(); ++rounds) {
        }
    if (batch_open_) return; // old batch not durable yet (disk trouble): switch once it is
    link_.adopt(std::move(*fresh));
    ++delivery_.boots_attached;
    control_.forget();
    if (!link_.taken_by_other_daemon(now_ns)) control_.ask_info(link_.view()); // the rule generation, for status
    const shm::RegionHeader& h = link_.header();
    site_spike_.attach(h.n_workers);
    log_ << "recontapd: found " << link_.name() << " boot " << std::hex << h.boot_id << std::dec << ", "
         << h.n_workers << " worker(s), data plane pid " << h.dataplane_pid.load() << std::endl;
    last_link_report_.clear();
}

void Daemon::heartbeat(uint64_t now_ns) {
    if (!link_.mapped() || link_.taken_by_other_daemon(now_ns)) return;
    shm::RegionHeader& h = link_.header();
    h.daemon_pid.store(getpid(), std::memory_order_relaxed);
    h.daemon_heartbeat_ns.store(now_ns, std::memory_order_release);
}

// Logs each change of the link's condition once, not every turn.
void Daemon::report_link(uint64_t now_ns) {
    std::string now = link_.alive(now_ns) ? "attached" : "detached: " + link_.why_not(now_ns);
    if (link_.mapped() && link_.taken_by_other_daemon(now_ns))
        now = "standing by: recontapd pid " + std::to_string(link_.header().daemon_pid.load()) +
              " already consumes " + link_.name();
    if (now == last_link_report_) return;
    last_link_report_ = now;
    log_ << "recontapd: " << now << std::endl;
}

void Daemon::take(const shm::DetectionRecord& r) {
    ++batch_records_;
    switch (static_cast<shm::RecordKind>(r.kind)) {
    case shm::RecordKind::detection:
        alert(r);
        return;
    case shm::RecordKind::window_summary:
        site_spikes_.clear();
        site_spike_.add(r, site_spikes_);
        for (const shm::DetectionRecord& spike : site_spikes_) alert(spike);
        return;
    }
    ++delivery_.unknown_records;
}

// A site-wide detection is about no one client: the watchlist does not apply.
void Daemon::alert(const shm::DetectionRecord& r) {
    Decision d = escalator_.decide(r, r.flags & shm::kFlagSiteWide ? nullptr : watchlist_.match(r));
    if (!d.emit) return;
    json alert = make_alert(r, d);
    eve_.append(to_line(alert));
    batch_alerts_.push_back({std::move(alert), r.ts_ns});
}

bool Daemon::drain() {
    if (!link_.mapped() || link_.taken_by_other_daemon(shm::monotonic_ns())) return false;
    const shm::RegionView& view = link_.view();
    uint32_t workers = view.header().n_workers;
    bool more = false;
    if (!batch_open_) {
        for (uint32_t w = 0; w < workers; ++w) {
            shm::EventRing& ring = view.events(w);
            uint64_t tail = ring.tail.load(std::memory_order_relaxed);
            uint64_t head = ring.head.load(std::memory_order_acquire);
            if (head - tail > shm::kEventRingSlots) { // cannot happen with a correct producer
                ++delivery_.ring_overruns;
                tail = head - shm::kEventRingSlots;
            }
            uint64_t n = std::min<uint64_t>(head - tail, kDrainBatch);
            for (uint64_t i = 0; i < n; ++i) {
                shm::DetectionRecord r = ring.slots[(tail + i) & (shm::kEventRingSlots - 1)];
                take(r);
            }
            batch_tail_[w] = tail + n;
            more |= head - tail > n;
        }
        batch_open_ = batch_records_ > 0;
    }
    if (batch_open_ && !commit_batch()) return false;
    acknowledge();
    return more;
}

bool Daemon::commit_batch() {
    std::string why;
    if (!eve_.commit(why)) {
        ++delivery_.commit_failures;
        if (why != last_commit_error_) log_ << "recontapd: cannot write alerts, will retry: " << why << std::endl;
        last_commit_error_ = why;
        return false;
    }
    last_commit_error_.clear();
    const shm::RegionView& view = link_.view();
    for (uint32_t w = 0; w < view.header().n_workers; ++w)
        view.events(w).tail.store(batch_tail_[w], std::memory_order_release);
    ++delivery_.commits;
    delivery_.records_taken += batch_records_;
    delivery_.alerts_written += batch_alerts_.size();
    for (const TakenAlert& taken : batch_alerts_) alert_log_.add(taken.eve, taken.ts_ns);
    batch_alerts_.clear();
    batch_records_ = 0;
    batch_open_ = false;
    return true;
}

// Input over: windows still waiting for a worker's summary (one lost to a
// full ring) are judged now, and their alerts made durable before exit.
void Daemon::judge_pending_site_windows() {
    site_spikes_.clear();
    site_spike_.flush(site_spikes_);
    for (const shm::DetectionRecord& spike : site_spikes_) alert(spike);
    if (batch_alerts_.empty()) return;
    batch_open_ = true; // ring tails in batch_tail_ are those already stored: rewriting them is a no-op
    commit_batch();
}

// daemon_delivered is written before daemon_boot_id: the data plane only
// trusts the count once the boot id names its own boot.
void Daemon::acknowledge() {
    if (batch_open_ || !link_.mapped() || link_.taken_by_other_daemon(shm::monotonic_ns())) return;
    const shm::RegionView& view = link_.view();
    uint64_t delivered = 0;
    for (uint32_t w = 0; w < view.header().n_workers; ++w)
        delivered += view.events(w).tail.load(std::memory_order_relaxed);
    shm::RegionHeader& h = view.header();
    h.daemon_delivered.store(delivered, std::memory_order_release);
    h.daemon_boot_id.store(h.boot_id, std::memory_order_release);
}

// Heads are final once the state says input_done (read the state first).
bool Daemon::input_delivered() const {
    if (!link_.mapped() || batch_open_) return false;
    const shm::RegionView& view = link_.view();
    if (view.header().dataplane_state.load(std::memory_order_acquire) < uint32_t(shm::DataplaneState::input_done))
        return false;
    for (uint32_t w = 0; w < view.header().n_workers; ++w) {
        const shm::EventRing& ring = view.events(w);
        if (ring.tail.load(std::memory_order_relaxed) != ring.head.load(std::memory_order_acquire)) return false;
    }
    return true;
}

// --once: the data plane's process died before input_done and its rings are empty.
bool Daemon::lost_dataplane() const {
    if (!link_.mapped() || batch_open_ || !link_.process_gone()) return false;
    const shm::RegionView& view = link_.view();
    for (uint32_t w = 0; w < view.header().n_workers; ++w)
        if (view.events(w).tail.load() != view.events(w).head.load()) return false;
    return view.header().dataplane_state.load() < uint32_t(shm::DataplaneState::input_done);
}

bool Daemon::step(int signal_fd) {
    uint64_t now = shm::monotonic_ns();
    follow_dataplane(now);
    heartbeat(now);
    bool more = drain();
    if (link_.mapped() && !link_.taken_by_other_daemon(now)) control_.poll(link_.view());
    report_link(now);
    auto handler = [this](const json& request) { return handle(request); };
    return server_.poll_once(more ? 0 : kIdleWaitMs, handler, signal_fd);
}

// Stop consuming: a later daemon sees no live consumer and takes over at once.
void Daemon::leave() {
    if (!link_.mapped() || link_.taken_by_other_daemon(shm::monotonic_ns())) return;
    link_.header().daemon_pid.store(0, std::memory_order_relaxed);
}

bool Daemon::stop_requested(int signal_fd) {
    signalfd_siginfo info{};
    bool stop = false;
    while (read(signal_fd, &info, sizeof info) == ssize_t(sizeof info)) {
        if (info.ssi_signo != SIGHUP) {
            stop = true;
            continue;
        }
        std::string why;
        if (eve_.open(options_.eve_path, why)) log_ << "recontapd: SIGHUP: reopened " << options_.eve_path << std::endl;
        else log_ << "recontapd: SIGHUP: keeping the old file open: " << why << std::endl;
    }
    return stop;
}

int Daemon::run(int signal_fd) {
    for (;;) {
        if (step(signal_fd) && stop_requested(signal_fd)) {
            if (batch_open_) commit_batch();
            acknowledge();
            leave();
            log_ << "recontapd: stopping on signal, " << delivery_.alerts_written << " alert(s) written" << std::endl;
            return 0;
        }
        if (!options_.once) continue;
        if (input_delivered()) {
            judge_pending_site_windows();
            leave();
            // A record is a detection or a window summary (site-wide SPIKE
            // input); repeats inside suppress_s are taken but not alerted.
            log_ << "recontapd: input of " << link_.name() << " delivered: " << delivery_.records_taken
                 << " record(s), " << delivery_.alerts_written << " alert(s) written (records: detections and "
                 << "window summaries; " << escalator_.counters().suppressed << " repeat(s) suppressed)" << std::endl;
            return 0;
        }
        if (lost_dataplane()) {
            leave();
            log_ << "recontapd: " << link_.why_not(shm::monotonic_ns()) << " before the end of its input"
                 << std::endl;
            // --once serves one data plane's run, and that process is gone
            // (killed: it could not remove its region itself). Nobody maps
            // the region again; left, it would hold its memory until reboot.
            shm::Region::unlink(link_.name());
            log_ << "recontapd: removed " << link_.name() << std::endl;
            return 1;
        }
    }
}

} // namespace recontap::mgmt
