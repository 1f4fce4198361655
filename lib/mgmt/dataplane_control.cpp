#include "mgmt/dataplane_control.hpp"

#include "shm/region.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace recontap::mgmt {

using nlohmann::json;

namespace {

constexpr auto kPollEvery = std::chrono::milliseconds(2);

json error(const std::string& message) { return {{"ok", false}, {"error", message}}; }

} // namespace

// Ids start from the clock so a restarted daemon never takes a reply meant
// for its predecessor as its own; 0 is the data plane's unsolicited "info".
DataplaneControl::DataplaneControl() : next_id_(shm::monotonic_ns() | 1) {}

bool DataplaneControl::send(const shm::RegionView& view, uint64_t id, const std::string& verb, const json& body,
                            std::string& why) {
    shm::ControlMessage m{};
    const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
    if (verb.size() >= sizeof m.verb || text.size() >= sizeof m.body) {
        why = "request too long for a control message (" + std::to_string(text.size()) + " bytes, at most " +
              std::to_string(sizeof m.body - 1) + ")";
        return false;
    }
    m.id = id;
    std::memcpy(m.verb, verb.c_str(), verb.size() + 1);
    std::memcpy(m.body, text.c_str(), text.size() + 1);
    if (!view.control().try_push(m)) {
        why = "the data plane's control ring is full (is its main loop running?)";
        return false;
    }
    return true;
}

bool DataplaneControl::take(const shm::ControlMessage& m, uint64_t wanted, json& out) {
    const std::string verb(m.verb, strnlen(m.verb, sizeof m.verb));
    json body = json::parse(std::string(m.body, strnlen(m.body, sizeof m.body)), nullptr, false);
    if (!body.is_object()) body = error("the data plane sent a reply that is not a JSON object");
    if (verb == "info" && body.value("ok", false)) {
        settings_.known = true;
        settings_.rules_generation = body.value("rules_generation", uint64_t(0));
        settings_.rules = body.value("rules", uint64_t(0));
        settings_.thresholds_generation = body.value("thresholds_generation", uint64_t(0));
    }
    if (m.id != 0 && m.id == wanted) {
        out = std::move(body);
        return true;
    }
    if (m.id != 0 && verb != "info") ++late_replies_;
    return false;
}

void DataplaneControl::poll(const shm::RegionView& view) {
    shm::ControlMessage m{};
    json ignored;
    while (view.replies().try_pop(m)) take(m, 0, ignored);
}

void DataplaneControl::ask_info(const shm::RegionView& view) {
    std::string why;
    send(view, next_id_++, "info", json::object(), why); // a full ring: status shows the generation as unknown
}

json DataplaneControl::request(const shm::RegionView& view, const std::string& verb, const json& body,
                               std::chrono::milliseconds timeout, const std::function<void()>& while_waiting) {
    poll(view); // what is on the ring now is not the reply to this request
    const uint64_t id = next_id_++;
    std::string why;
    if (!send(view, id, verb, body, why)) return error(why);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    shm::ControlMessage m{};
    json reply;
    for (;;) {
        while (view.replies().try_pop(m))
            if (take(m, id, reply)) return reply;
        if (std::chrono::steady_clock::now() >= deadline) break;
        while_waiting();
        usleep(std::chrono::duration_cast<std::chrono::microseconds>(kPollEvery).count());
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", double(timeout.count()) / 1000);
    // The request stays on the data plane's ring: a slow rule compile or a
    // busy main lcore may still carry it out after we stop waiting.
    return error("no reply from the data plane within " + std::string(seconds) + " s to '" + verb +
                 "'; it may still take effect (recontapctl status shows the rules and thresholds generations)");
}

} // namespace recontap::mgmt
