// The operator's control commands: answered by the data plane's main lcore
// through the shared-memory control ring (rules-test, rules-reload, the
// data plane's thresholds), or by recontapd itself for the [detectors] keys
// it owns (correlation_window_s, suppress_s, site_spike_*). While a reply is awaited the
// event rings keep draining, so delivery never stalls behind a command.
#include "config/thresholds.hpp"
#include "mgmt/daemon.hpp"

namespace recontap::mgmt {

using nlohmann::json;

namespace {

constexpr int kQuickReplyMs = 3000;  // answered between two receive bursts
constexpr int kReloadReplyMs = 20000; // rule files compile on the data plane's helper thread
constexpr std::size_t kMaxName = 253;

// A value as given: a string, or a number written as TOML would.
bool value_text(const json& v, std::string& out) {
    if (v.is_string()) out = v.get<std::string>();
    else if (v.is_number()) out = v.dump();
    else return false;
    return true;
}

} // namespace

json Daemon::settings_json() const {
    const DataplaneSettings& s = control_.settings();
    if (!s.known) return {{"known", false}};
    return {{"known", true},
            {"rules_generation", s.rules_generation},
            {"rules", s.rules},
            {"thresholds_generation", s.thresholds_generation}};
}

json Daemon::ask_dataplane(const std::string& verb, const json& body, int timeout_ms) {
    const uint64_t now = shm::monotonic_ns();
    if (!link_.alive(now)) return error_reply("data plane not attached: " + link_.why_not(now));
    if (link_.taken_by_other_daemon(now))
        return error_reply("another recontapd (pid " + std::to_string(link_.header().daemon_pid.load()) +
                           ") talks to this data plane");
    auto keep_delivering = [this] {
        heartbeat(shm::monotonic_ns());
        drain();
    };
    return control_.request(link_.view(), verb, body, std::chrono::milliseconds(timeout_ms), keep_delivering);
}

json Daemon::thresholds_set(const json& request) {
    auto key = request.find("key"), value = request.find("value");
    std::string text;
    if (key == request.end() || !key->is_string() || value == request.end() || !value_text(*value, text))
        return error_reply("thresholds-set needs a string \"key\" and a \"value\" (string or number)");
    const std::string k = key->get<std::string>();
    config::Detectors next = options_.detectors;
    try {
        config::set_threshold(next, k, text); // the loader's checks, before anything is sent
    } catch (const config::ConfigError& e) {
        return error_reply(e.what());
    }
    if (!config::daemon_owned_threshold(k)) {
        json reply = ask_dataplane("thresholds-set", {{"key", k}, {"value", text}}, kQuickReplyMs);
        if (reply.value("ok", false) && config::daemon_reads_threshold(k)) options_.detectors = next; // site-wide SPIKE
        return reply;
    }
    options_.detectors = next;
    escalator_.set_windows(next);
    json reply = {{"ok", true}, {"key", k}, {"applied_by", "recontapd"}};
    for (const auto& [name, v] : config::threshold_values(next))
        if (name == k) reply["value"] = json::parse(v);
    log_ << "recontapd: [detectors] " << k << " set to " << reply["value"].dump() << std::endl;
    return reply;
}

json Daemon::handle_control(const std::string& cmd, const json& request) {
    if (cmd == "rules-test") {
        auto name = request.find("name");
        if (name == request.end() || !name->is_string()) return error_reply("rules-test needs a string \"name\"");
        const std::string& n = name->get_ref<const std::string&>();
        if (n.empty() || n.size() > kMaxName + (n.back() == '.' ? 1 : 0)) // the root dot is not counted
            return error_reply("a name is 1 to " + std::to_string(kMaxName) + " characters, got " +
                               std::to_string(n.size()));
        json reply = ask_dataplane("rules-test", {{"name", n}}, kQuickReplyMs);
        reply["name"] = n;
        return reply;
    }
    if (cmd == "rules-reload") {
        json reply = ask_dataplane("rules-reload", json::object(), kReloadReplyMs);
        log_ << "recontapd: rules reload: "
             << (reply.value("ok", false) ? "generation " + std::to_string(reply.value("generation", uint64_t(0)))
                                          : reply.value("error", std::string("failed")))
             << std::endl;
        return reply;
    }
    if (cmd == "thresholds-set") return thresholds_set(request);
    // thresholds: the data plane's values, then the ones recontapd applies.
    json reply = ask_dataplane("thresholds", json::object(), kQuickReplyMs);
    if (!reply.value("ok", false)) {
        // recontapd's own thresholds stand without a data plane: show them,
        // and why the workers' are not there.
        reply = {{"ok", true}, {"dataplane_error", reply.value("error", std::string("no reply"))}};
    }
    if (!reply.contains("thresholds") || !reply["thresholds"].is_object()) reply["thresholds"] = json::object();
    json owned = json::array();
    for (const auto& [k, v] : config::threshold_values(options_.detectors))
        if (config::daemon_owned_threshold(k)) { // the others are the data plane's, shared keys included
            reply["thresholds"][k] = json::parse(v);
            owned.push_back(k);
        }
    reply["applied_by_recontapd"] = owned;
    return reply;
}

} // namespace recontap::mgmt
