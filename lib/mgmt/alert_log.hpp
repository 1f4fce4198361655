// What the CLI's "detections" and "top" show: the most recent alerts and
// alert counts per client, both bounded in memory.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>

namespace recontap::mgmt {

class AlertLog {
public:
    AlertLog(std::size_t recent_capacity, std::size_t client_capacity)
        : recent_capacity_(recent_capacity), client_capacity_(client_capacity) {}

    // alert: an EVE alert object as written to eve.json.
    void add(const nlohmann::json& alert);

    // The newest `limit` alerts, oldest first.
    nlohmann::json recent(std::size_t limit) const;
    // Clients by alert count (ties: address order), at most `limit`.
    nlohmann::json top(std::size_t limit) const;

    std::size_t recent_capacity() const { return recent_capacity_; }
    // Alerts of clients first seen after client_capacity clients were tracked.
    uint64_t untracked_alerts() const { return untracked_alerts_; }

private:
    struct ClientTally {
        uint64_t alerts = 0, tier2 = 0;
        std::map<std::string, uint64_t> by_detector;
        std::string last_timestamp;
    };
    std::size_t recent_capacity_, client_capacity_;
    std::deque<nlohmann::json> recent_;
    std::unordered_map<std::string, ClientTally> clients_;
    uint64_t untracked_alerts_ = 0;
};

} // namespace recontap::mgmt
