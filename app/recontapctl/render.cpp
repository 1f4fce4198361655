#include "render.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace recontap::ctl {

using nlohmann::json;

namespace {

std::string text(json v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "-";
    return v.dump();
}

// Left-aligned columns sized to their widest cell.
void table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
    std::vector<std::size_t> width;
    for (auto row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    for (auto row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out << line << "\n";
    }
}

} // namespace

std::string settings_line(json s) {
    if (!s.is_object() || !s.value("known", false)) return "generation unknown (no data plane has reported yet)";
    return "generation " + text(s["rules_generation"]) + ", " + text(s["rules"]) + " rule(s); thresholds generation " +
           text(s["thresholds_generation"]);
}

void render_status(json r, std::ostream& out) {
    json d = r["daemon"];
    json dp = r["dataplane"];
    json t = r["totals"];
    out << "recontapd    pid " << text(d["pid"]) << ", up " << text(d["uptime_s"]) << " s, alerts to "
        << text(d["eve"]) << "\n";
    out << "data plane   " << (dp.value("attached", false) ? "attached" : "detached") << "  " << text(dp["shm"]);
    if (dp.value("mapped", false))
        out << "  boot " << text(dp["boot_id"]) << "  pid " << text(dp["pid"]) << "  state " << text(dp["state"])
            << "  heartbeat " << text(dp["heartbeat_age_ms"]) << " ms ago  " << text(dp["workers"]) << " worker(s)";
    out << "\n";
    if (dp.contains("reason")) out << "             " << text(dp["reason"]) << "\n";
    out << "rules        " << settings_line(dp["settings"]) << "\n";
    out << "alerts       " << text(t["alerts"]) << " (tier 1: " << text(t["tier1"]) << ", tier 2: " << text(t["tier2"])
        << ")  suppressed " << text(t["suppressed"]) << "  records taken " << text(t["records_taken"])
        << " (detections + window summaries)  pending "
        << text(t["pending"]) << "  ring drops " << text(t["ring_drops"]) << "\n";
}

void render_stats(json r, std::ostream& out) {
    std::vector<std::vector<std::string>> rows = {
        {"worker", "packets", "queries", "responses", "malformed", "detections", "ring_pending", "ring_drops",
         "clients", "evicted"}};
    for (json w : r["workers"])
        rows.push_back({text(w["worker"]), text(w["packets"]), text(w["queries"]), text(w["responses"]),
                        text(w["malformed_total"]), text(w["detections"]), text(w["ring"]["pending"]),
                        text(w["drops"]["event_ring"]), text(w["clients_active"]), text(w["drops"]["client_evictions"])});
    if (r["workers"].empty()) out << "no data plane mapped: daemon counters only\n";
    else table(rows, out);

    json totals = r["totals"];
    if (totals.contains("malformed")) {
        out << "\nmalformed by reason (all workers)\n";
        std::vector<std::vector<std::string>> reasons;
        for (auto it = totals["malformed"].begin(); it != totals["malformed"].end(); ++it)
            if (it->get<uint64_t>() > 0) reasons.push_back({"  " + it.key(), text(*it)});
        if (reasons.empty()) out << "  none\n";
        else table(reasons, out);
    }
    out << "\ndrops\n";
    std::vector<std::vector<std::string>> drops;
    for (auto it = r["drops"].begin(); it != r["drops"].end(); ++it) drops.push_back({"  " + it.key(), text(*it)});
    table(drops, out);
    out << "\nrules  " << settings_line(r["settings"]) << "\n";
    out << "\ndaemon\n";
    std::vector<std::vector<std::string>> daemon;
    for (auto it = r["daemon"].begin(); it != r["daemon"].end(); ++it) {
        if (!it->is_object()) {
            daemon.push_back({"  " + it.key(), text(*it)});
            continue;
        }
        for (auto sub = it->begin(); sub != it->end(); ++sub)
            daemon.push_back({"  " + it.key() + "." + sub.key(), text(*sub)});
    }
    table(daemon, out);
}

void render_detections(json r, std::ostream& out) {
    if (r["detections"].empty()) {
        out << "no detections yet\n";
        return;
    }
    std::vector<std::vector<std::string>> rows = {
        {"time", "client", "server", "detector", "tier", "sev", "detail", "name", "suppressed"}};
    for (json a : r["detections"]) {
        json alert = a["alert"];
        json ctx = alert["context"];
        rows.push_back({text(a["timestamp"]), text(a["src_ip"]), text(a["dest_ip"]),
                        text(alert["metadata"]["detector"][0]), text(alert["metadata"]["tier"][0]),
                        text(alert["severity"]), text(ctx["detail"]), ctx.contains("sample_name") ? text(ctx["sample_name"]) : "-",
                        text(ctx["suppressed_since_last"])});
    }
    table(rows, out);
}

void render_top(json r, std::ostream& out) {
    if (r["top"].empty()) {
        out << "no detections yet\n";
        return;
    }
    std::vector<std::vector<std::string>> rows = {{"rank", "client", "tier", "alerts", "tier2", "detectors", "last"}};
    int rank = 0;
    for (json c : r["top"]) {
        std::string detectors;
        for (auto it = c["detectors"].begin(); it != c["detectors"].end(); ++it)
            detectors += (detectors.empty() ? "" : ",") + it.key() + ":" + text(*it);
        rows.push_back({std::to_string(++rank), text(c["client"]), text(c["highest_tier"]), text(c["alerts"]), text(c["tier2"]), detectors,
                        text(c["last"])});
    }
    table(rows, out);
}

} // namespace recontap::ctl

namespace recontap::ctl {

void render_watchlist(json r, std::ostream& out) {
    out << r["watchlist"].size() << " of " << text(r["capacity"]) << " entries, kept in "
        << (text(r["file"]).empty() ? "memory only" : text(r["file"])) << "\n";
    if (r["watchlist"].empty()) return;
    std::vector<std::vector<std::string>> rows = {{"net", "added", "note"}};
    for (json e : r["watchlist"]) rows.push_back({text(e["net"]), text(e["added"]), text(e["note"])});
    table(rows, out);
}

// plain: one address per line (ipset/nftables input); csv: a header line and
// one row per client, detectors joined by ';'; json: the clients array.
void render_blocklist(json r, const std::string& format, std::ostream& out, std::ostream& warn) {
    json clients = r["clients"];
    if (r["untracked_alerts"].get<uint64_t>() > 0)
        warn << "recontapctl: warning: " << text(r["untracked_alerts"]) << " alert(s) of clients beyond the "
             << text(r["client_capacity"]) << " recontapd tracks are not in this list\n";
    if (format == "json") {
        out << clients.dump(2) << "\n";
        return;
    }
    if (format == "csv") out << "address,highest_tier,detectors,alerts,first_alert,last_alert,watchlist\n";
    for (json c : clients) {
        if (format == "plain") {
            out << text(c["address"]) << "\n";
            continue;
        }
        std::string detectors;
        for (json d : c["detectors"]) detectors += (detectors.empty() ? "" : ";") + text(d);
        out << text(c["address"]) << "," << text(c["highest_tier"]) << "," << detectors << "," << text(c["alerts"])
            << "," << text(c["first_alert"]) << "," << text(c["last_alert"]) << ","
            << (c["watchlist"].is_null() ? "" : text(c["watchlist"])) << "\n";
    }
}

} // namespace recontap::ctl
