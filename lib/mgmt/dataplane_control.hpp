// recontapd's side of the shared-memory control ring: sends one request to
// the data plane's main lcore and waits, bounded, for the reply carrying
// its id, running the caller's work (draining the event rings) while it
// waits. Replies nobody waits for are taken off the ring too: "info"
// messages keep the data plane's rule generation known for status/stats;
// late replies to a request that timed out are counted and dropped.
#pragma once
#include "shm/layout.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace recontap::mgmt {

struct DataplaneSettings {
    bool known = false;           // an "info" from the current boot has arrived
    uint64_t rules_generation = 0;
    uint64_t rules = 0;
    uint64_t thresholds_generation = 0;
};

class DataplaneControl {
public:
    DataplaneControl();

    // {"ok":false,"error":...} when the request cannot be sent (body too
    // long for a ControlMessage, ring full) or no reply came within timeout.
    nlohmann::json request(const shm::RegionView& view, const std::string& verb, const nlohmann::json& body,
                           std::chrono::milliseconds timeout, const std::function<void()>& while_waiting);
    // Sends "info" without waiting (after attaching to a new boot).
    void ask_info(const shm::RegionView& view);
    // Takes every reply waiting on the ring.
    void poll(const shm::RegionView& view);
    // A new data-plane boot: what was known belongs to the old one.
    void forget() { settings_ = {}; }

    const DataplaneSettings& settings() const { return settings_; }
    uint64_t late_replies() const { return late_replies_; }

private:
    bool send(const shm::RegionView& view, uint64_t id, const std::string& verb, const nlohmann::json& body,
              std::string& why);
    // Handles one reply; true when it is the one with id `wanted` (copied to out).
    bool take(const shm::ControlMessage& m, uint64_t wanted, nlohmann::json& out);

    uint64_t next_id_;
    DataplaneSettings settings_;
    uint64_t late_replies_ = 0;
};

} // namespace recontap::mgmt
