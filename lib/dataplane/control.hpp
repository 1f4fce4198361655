// The data plane's side of the control ring (recontapd -> main lcore ->
// replies ring): ping, info, rules-test, rules-reload, thresholds,
// thresholds-set. Runs on the main lcore between receive bursts and never
// blocks it: rule files compile on a helper thread and the reply goes out
// when the compile has finished; retired rule sets are freed once every
// worker has passed a quiescent point (LiveSettings).
//
// Requests and replies are JSON in ControlMessage::body (at most 471 bytes
// each). Every reply carries "ok"; failures carry "error". Besides replies,
// the main lcore pushes an "info" message with id 0 at start and after each
// change, so recontapd can show the rule generation without asking.
#pragma once
#include "config/config.hpp"
#include "dataplane/live_settings.hpp"
#include "shm/layout.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <string>

namespace recontap::dataplane {

// A reply body as it goes into the ring; false when it does not fit.
bool encode_body(const nlohmann::json& body, shm::ControlMessage& out);

class ControlPlane {
public:
    ControlPlane(const config::Config& cfg, LiveSettings& live, shm::RegionView region);
    ~ControlPlane(); // waits for a compile in progress

    // Main lcore, about every 100 ms: answers requests, finishes a reload
    // whose compile ended, frees retired bundles.
    void poll();

    // The reply to one request; {} when it comes later (rules-reload).
    nlohmann::json answer(const shm::ControlMessage& request);

private:
    struct Compiled {
        std::shared_ptr<const rules::RuleSet> rules;
        std::string error;  // "FILE:LINE: message" when the files did not compile
        double compile_ms = 0;
    };

    nlohmann::json rules_test(const nlohmann::json& args) const;
    nlohmann::json start_reload(uint64_t id);
    void finish_reload();
    nlohmann::json thresholds_show() const;
    nlohmann::json thresholds_set(const nlohmann::json& args);
    nlohmann::json info() const;
    void send(uint64_t id, const char* verb, const nlohmann::json& body);

    const config::Config& cfg_;
    LiveSettings& live_;
    shm::RegionView region_;
    rules::Matcher tester_; // the main lcore's own scratch for rules-test
    std::future<Compiled> reload_;
    uint64_t reload_id_ = 0;
};

} // namespace recontap::dataplane
