#include "mgmt/alert_log.hpp"

#include "config/config.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace recontap::mgmt {

using nlohmann::json;

void AlertLog::add(const json& alert, uint64_t ts_ns) {
    newest_ns_ = std::max(newest_ns_, ts_ns);
    if (recent_capacity_ > 0) {
        if (recent_.size() >= recent_capacity_) recent_.pop_front();
        recent_.push_back(alert);
    }
    // A site-wide alert names the window's busiest client, who is not accused
    // of anything: keep it out of the per-client tallies (top, blocklist).
    const json flags = alert.value(json::json_pointer("/alert/context/flags"), json::array());
    if (flags.is_array() && std::find(flags.begin(), flags.end(), "site_wide") != flags.end()) return;
    std::string client = alert.value("src_ip", "");
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

json AlertLog::recent(std::size_t limit) const {
    std::size_t n = std::min(limit, recent_.size());
    return json(std::vector<json>(recent_.end() - std::ptrdiff_t(n), recent_.end()));
}

json AlertLog::top(std::size_t limit) const {
    std::vector<const std::pair<const std::string, ClientTally>*> order;
    order.reserve(clients_.size());
    for (const auto& entry : clients_) order.push_back(&entry);
    std::size_t n = std::min(limit, order.size());
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(n), order.end(), [](auto* a, auto* b) {
        return a->second.alerts != b->second.alerts ? a->second.alerts > b->second.alerts : a->first < b->first;
    });
    json out = json::array();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& [client, t] = *order[i];
        out.push_back({{"client", client},
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
        config::parse_ip(entry.first, row.addr); // as make_alert wrote it; unparsable sorts first
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
        out.push_back({{"client", client},
                       {"highest_tier", t.highest_tier},
                       {"detectors", detectors},
                       {"alerts", t.alerts},
                       {"first", t.first_timestamp},
                       {"last", t.last_timestamp}});
    }
    return out;
}

} // namespace recontap::mgmt
