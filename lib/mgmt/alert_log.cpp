#include "mgmt/alert_log.hpp"

#include "config/config.hpp"
#include "mgmt/client_prefix.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace recontap::mgmt {

using nlohmann::json;

void AlertLog::add(const json& alert, uint64_t ts_ns) {
    newest_ns_ = std::max(newest_ns_, ts_ns);
    remember_recent(alert, ts_ns);
    // A site-wide alert names the window's busiest client, who is not accused
    // of anything: keep it out of the per-client tallies (top, blocklist).
    const json flags = alert.value(json::json_pointer("/alert/context/flags"), json::array());
    if (flags.is_array() && std::find(flags.begin(), flags.end(), "site_wide") != flags.end()) return;
    const std::string client = client_of(alert.value("src_ip", ""), ipv6_prefix_);
    auto it = clients_.find(client);
    if (it == clients_.end()) {
        if (clients_.size() >= client_capacity_) {
            ++untracked_alerts_;
            return;
        }
        it = clients_.emplace(client, ClientTally{}).first;
    }
    ClientTally& t = it->second;
    ++t.alerts;
    const json& meta = alert["alert"]["metadata"];
    const bool tier2 = meta["tier"][0] == "2";
    t.tier2 += tier2;
    t.highest_tier = std::max<uint8_t>(t.highest_tier, tier2 ? 2 : 1);
    ++t.by_detector[meta["detector"][0].get<std::string>()];
    const std::string timestamp = alert.value("timestamp", "");
    if (t.alerts == 1 || ts_ns < t.first_ns) t.first_ns = ts_ns, t.first_timestamp = timestamp;
    if (t.alerts == 1 || ts_ns >= t.last_ns) t.last_ns = ts_ns, t.last_timestamp = timestamp;
}

// Each worker's alerts arrive in its own packet-time order, one worker's
// batch after another's: kept sorted by packet time, so "the newest" are the
// newest the tap saw, not the last delivered. An alert older than every one
// kept in a full log is not among the newest and is not kept.
void AlertLog::remember_recent(const json& alert, uint64_t ts_ns) {
    if (recent_capacity_ == 0) return;
    if (recent_.size() >= recent_capacity_) {
        if (ts_ns < recent_.front().ts_ns) return;
        recent_.pop_front();
    }
    auto at = recent_.end(); // usually its place: searched from the newest end
    while (at != recent_.begin() && std::prev(at)->ts_ns > ts_ns) --at;
    recent_.insert(at, TimedAlert{ts_ns, alert});
}

json AlertLog::recent(std::size_t limit) const {
    std::size_t n = std::min(limit, recent_.size());
    json out = json::array();
    for (auto it = recent_.end() - std::ptrdiff_t(n); it != recent_.end(); ++it) out.push_back(it->alert);
    return out;
}

json AlertLog::top(std::size_t limit) const {
    std::vector<const std::pair<const std::string, ClientTally>*> order;
    order.reserve(clients_.size());
    for (const auto& entry : clients_) order.push_back(&entry);
    std::size_t n = std::min(limit, order.size());
    // Tier 2 first: one escalated alert outranks any number of Tier 1 ones.
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(n), order.end(), [](auto* a, auto* b) {
        const ClientTally &x = a->second, &y = b->second;
        if (x.highest_tier != y.highest_tier) return x.highest_tier > y.highest_tier;
        return x.alerts != y.alerts ? x.alerts > y.alerts : a->first < b->first;
    });
    json out = json::array();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& [client, t] = *order[i];
        out.push_back({{"client", client},
                       {"highest_tier", t.highest_tier},
                       {"alerts", t.alerts},
                       {"tier2", t.tier2},
                       {"detectors", t.by_detector},
                       {"last", t.last_timestamp}});
    }
    return out;
}

json AlertLog::blocklist(int tier, uint64_t since_s) const {
    const uint64_t since_ns = since_s * 1'000'000'000ull;
    struct Row {
        dns::IpAddr addr;
        const std::pair<const std::string, ClientTally>* entry;
    };
    std::vector<Row> rows;
    for (const auto& entry : clients_) {
        const ClientTally& t = entry.second;
        if (tier != 0 && t.highest_tier != tier) continue;
        if (since_s != 0 && newest_ns_ - t.last_ns > since_ns) continue;
        Row row{{}, &entry};
        // As make_alert wrote it, or an IPv6 client's prefix; unparsable sorts first.
        config::Cidr net; // a bare address parses as a host network
        if (config::parse_cidr(entry.first, net)) row.addr = net.addr;
        rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        if (a.addr.family != b.addr.family) return a.addr.family < b.addr.family;
        int c = std::memcmp(a.addr.bytes, b.addr.bytes, sizeof a.addr.bytes);
        return c != 0 ? c < 0 : a.entry->first < b.entry->first;
    });
    json out = json::array();
    for (const Row& row : rows) {
        const auto& [client, t] = *row.entry;
        json detectors = json::array();
        for (const auto& by : t.by_detector) detectors.push_back(by.first);
        // The names of `recontapctl blocklist --format csv`'s header.
        out.push_back({{"address", client},
                       {"highest_tier", t.highest_tier},
                       {"detectors", detectors},
                       {"alerts", t.alerts},
                       {"first_alert", t.first_timestamp},
                       {"last_alert", t.last_timestamp}});
    }
    return out;
}

} // namespace recontap::mgmt
