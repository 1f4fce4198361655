// The control protocol's answers: status, stats, detections, top (the
// analysts' watchlist and blocklist are in daemon_analyst.cpp).
#include "dns/malformed.hpp"
#include "mgmt/daemon.hpp"
#include "shm/counters_json.hpp"

#include <unistd.h>

#include <cstdio>

namespace recontap::mgmt {

using nlohmann::json;

namespace {

constexpr std::size_t kDefaultLimit = 20;

// 64-bit ids as hex text: JSON numbers above 2^53 lose digits in many readers.
std::string hex_id(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

json worker_json(uint32_t w, const shm::WorkerCountersData& c, bool consistent, const shm::EventRing& ring) {
    uint64_t head = ring.head.load(std::memory_order_acquire), tail = ring.tail.load(std::memory_order_acquire);
    // The data plane's stats.json names (one function for both), plus the ring's live indices.
    json j = shm::worker_counters_json(c, ring.dropped.load());
    j["worker"] = w;
    j["consistent"] = consistent;
    j["drops"]["event_ring_seen_by_worker"] = c.event_ring_drops;
    j["ring"] = {{"head", head}, {"tail", tail}, {"pending", head - tail}};
    return j;
}

// Adds every numeric field of worker into sum (nested objects too).
void accumulate(json& sum, const json& worker) {
    for (auto it = worker.begin(); it != worker.end(); ++it) {
        if (it.key() == "worker" || it.key() == "last_packet_ns") continue;
        if (it->is_object()) {
            json& inner = sum[it.key()];
            if (!inner.is_object()) inner = json::object();
            accumulate(inner, *it);
        } else if (it->is_number_unsigned()) {
            sum[it.key()] = sum.value(it.key(), uint64_t(0)) + it->get<uint64_t>();
        }
    }
}

// "limit": absent -> default; otherwise a non-negative integer, capped.
bool limit_of(const json& request, std::size_t cap, std::size_t& out) {
    auto it = request.find("limit");
    if (it == request.end()) {
        out = std::min(kDefaultLimit, cap);
        return true;
    }
    if (!it->is_number_integer() || it->get<int64_t>() < 0) return false;
    out = std::min<std::size_t>(it->get<uint64_t>(), cap);
    return true;
}

} // namespace

json Daemon::status_json(uint64_t now_ns) const {
    json dp = {{"shm", link_.name()}, {"attached", link_.alive(now_ns)}, {"mapped", link_.mapped()}};
    uint64_t pending = 0, ring_drops = 0;
    if (link_.mapped()) {
        const shm::RegionHeader& h = link_.header();
        uint64_t beat = h.dataplane_heartbeat_ns.load();
        dp["boot_id"] = hex_id(h.boot_id);
        dp["pid"] = h.dataplane_pid.load();
        dp["state"] = state_name(h.dataplane_state.load());
        dp["heartbeat_age_ms"] = now_ns > beat ? (now_ns - beat) / 1'000'000 : 0;
        dp["workers"] = h.n_workers;
        dp["delivered"] = h.daemon_delivered.load();
        dp["consumer"] = link_.taken_by_other_daemon(now_ns) ? "another recontapd" : "this recontapd";
        for (uint32_t w = 0; w < h.n_workers; ++w) {
            const shm::EventRing& ring = link_.view().events(w);
            pending += ring.head.load() - ring.tail.load();
            ring_drops += ring.dropped.load();
        }
    }
    if (!link_.alive(now_ns)) dp["reason"] = link_.why_not(now_ns);
    dp["settings"] = settings_json();
    const EscalationCounters& e = escalator_.counters();
    return {
        {"ok", true},
        {"daemon",
         {{"pid", getpid()},
          {"uptime_s", (now_ns - started_ns_) / 1'000'000'000ull},
          {"eve", eve_.path()},
          {"socket", server_.path()},
          {"once", options_.once}}},
        {"dataplane", dp},
        {"totals",
         {{"records_taken", delivery_.records_taken},
          {"alerts", delivery_.alerts_written},
          {"tier1", e.tier1},
          {"tier2", e.tier2},
          {"suppressed", e.suppressed},
          {"pending", pending},
          {"ring_drops", ring_drops}}},
    };
}

json Daemon::stats_json() const {
    json workers = json::array(), totals = json::object(), drops = json::object();
    uint64_t ring_drops = 0, evicted = 0;
    if (link_.mapped()) {
        const shm::RegionView& view = link_.view();
        for (uint32_t w = 0; w < view.header().n_workers; ++w) {
            shm::WorkerCountersData c{};
            bool consistent = view.counters(w).read(c);
            workers.push_back(worker_json(w, c, consistent, view.events(w)));
            accumulate(totals, workers.back());
            ring_drops += view.events(w).dropped.load();
            evicted += c.clients_evicted;
        }
        const shm::RegionHeader& h = view.header();
        drops["steer"] = h.steer_drops.load();
        drops["rx_missed"] = h.rx_missed.load();
        totals["port_rx_packets"] = h.rx_packets.load();
    }
    totals.erase("consistent");
    const EscalationCounters& e = escalator_.counters();
    const ServerCounters& s = server_.counters();
    drops["event_ring"] = ring_drops;
    drops["client_evictions"] = evicted;
    drops["escalation_clients_evicted"] = e.clients_evicted;
    drops["alert_log_untracked"] = alert_log_.untracked_alerts();
    return {
        {"ok", true},
        {"workers", workers},
        {"totals", totals},
        {"drops", drops},
        {"settings", settings_json()},
        {"daemon",
         {{"records_taken", delivery_.records_taken},
          {"alerts_written", delivery_.alerts_written},
          {"commits", delivery_.commits},
          {"commit_failures", delivery_.commit_failures},
          {"boots_attached", delivery_.boots_attached},
          {"ring_overruns", delivery_.ring_overruns},
          {"unknown_records", delivery_.unknown_records},
          {"site_spike", site_spike_.json()},
          {"eve_lines", eve_.lines_committed()},
          {"eve_bytes", eve_.bytes_committed()},
          {"escalation",
           {{"decided", e.decided},
            {"emitted", e.emitted},
            {"suppressed", e.suppressed},
            {"tier1", e.tier1},
            {"tier2", e.tier2},
            {"correlations", e.correlations},
            {"escalations_through_suppression", e.escalations_through_suppression},
            {"invalid_detector", e.invalid_detector},
            {"watched", e.watched},
            {"clients", escalator_.clients()}}},
          {"socket",
           {{"connections", s.connections},
            {"peers_refused", s.peers_refused},
            {"clients_over_limit", s.clients_over_limit},
            {"requests", s.requests},
            {"bad_requests", s.bad_requests},
            {"oversized_requests", s.oversized_requests},
            {"slow_clients_dropped", s.slow_clients_dropped},
            {"idle_clients_closed", s.idle_clients_closed}}}}},
    };
}

json Daemon::handle(const json& request) {
    const std::string cmd = request.value("cmd", "");
    if (cmd == "status") return status_json(shm::monotonic_ns());
    if (cmd == "stats") return stats_json();
    std::size_t limit = 0;
    if ((cmd == "detections" || cmd == "top") && !limit_of(request, SIZE_MAX, limit))
        return error_reply("\"limit\" must be a non-negative integer");
    if (cmd == "detections") return {{"ok", true}, {"detections", alert_log_.recent(limit)}};
    if (cmd == "top") return {{"ok", true}, {"top", alert_log_.top(limit)}};
    if (cmd == "watchlist") return watchlist_reply(request);
    if (cmd == "blocklist") return blocklist_reply(request);
    if (cmd == "rules-test" || cmd == "rules-reload" || cmd == "thresholds" || cmd == "thresholds-set")
        return handle_control(cmd, request);
    return error_reply("unknown cmd '" + cmd +
                       "' (status, stats, detections, top, watchlist, blocklist, rules-test, rules-reload, "
                       "thresholds, thresholds-set)");
}

} // namespace recontap::mgmt
