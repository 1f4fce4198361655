// What the CLI's "detections", "top" and "blocklist" show: the most recent
// alerts and alert counts per client, both bounded in memory.
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
    // ipv6_prefix: an IPv6 client is tallied as its prefix ("fd00:0:0:66::/64").
    AlertLog(std::size_t recent_capacity, std::size_t client_capacity, unsigned ipv6_prefix = 128)
        : recent_capacity_(recent_capacity), client_capacity_(client_capacity), ipv6_prefix_(ipv6_prefix) {}

    // alert: an EVE alert object as written to eve.json; ts_ns its packet time.
    void add(const nlohmann::json& alert, uint64_t ts_ns);

    // The newest `limit` alerts by packet time, oldest first.
    nlohmann::json recent(std::size_t limit) const;
    // Clients by highest tier, then alert count (ties: address order), at
    // most `limit`.
    nlohmann::json top(std::size_t limit) const;

    // Clients alerted on, in address order: highest tier, detectors, alert
    // count, first and last alert. tier (1 or 2; 0 = any) keeps the clients
    // whose highest tier is that one; since_s (0 = any) those whose last alert
    // is at most that many seconds older than the newest alert (packet time).
    nlohmann::json blocklist(int tier, uint64_t since_s) const;

    std::size_t recent_capacity() const { return recent_capacity_; }
    // Alerts of clients first seen after client_capacity clients were tracked.
    uint64_t untracked_alerts() const { return untracked_alerts_; }

private:
    struct ClientTally {
        uint64_t alerts = 0, tier2 = 0;
        std::map<std::string, uint64_t> by_detector;
        uint8_t highest_tier = 0;
        uint64_t first_ns = 0, last_ns = 0;
        std::string first_timestamp, last_timestamp;
    };
    std::size_t recent_capacity_, client_capacity_;
    unsigned ipv6_prefix_;
    struct TimedAlert {
        uint64_t ts_ns;
        nlohmann::json alert;
    };
    void remember_recent(const nlohmann::json& alert, uint64_t ts_ns);
    std::deque<TimedAlert> recent_; // by packet time
    std::unordered_map<std::string, ClientTally> clients_;
    uint64_t untracked_alerts_ = 0;
    uint64_t newest_ns_ = 0;
};

} // namespace recontap::mgmt
