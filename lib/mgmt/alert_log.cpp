#include "mgmt/alert_log.hpp"

#include <algorithm>
#include <vector>

namespace recontap::mgmt {

using nlohmann::json;

void AlertLog::add(const json& alert) {
    if (recent_capacity_ > 0) {
        if (recent_.size() >= recent_capacity_) recent_.pop_front();
        recent_.push_back(alert);
    }
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
    if (meta["tier"][0] == "2") ++t.tier2;
    ++t.by_detector[meta["detector"][0].get<std::string>()];
    t.last_timestamp = alert.value("timestamp", "");
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

} // namespace recontap::mgmt
