#include "dataplane/control.hpp"

#include "config/thresholds.hpp"

#include <cstdio>
#include <cstring>
#include <thread>

namespace recontap::dataplane {

using nlohmann::json;

namespace {

constexpr const char* kVerbs = "ping, info, rules-test, rules-reload, thresholds, thresholds-set";

json error(const std::string& message) { return {{"ok", false}, {"error", message}}; }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A field of shared memory as text, never past its end even without a NUL.
std::string field_text(const char* field, std::size_t size) { return std::string(field, strnlen(field, size)); }

const char* category_name(rules::Category c) { return c == rules::Category::pdns ? "pdns" : "sensitive"; }

} // namespace

bool encode_body(const json& body, shm::ControlMessage& out) {
    const std::string text = dump(body);
    if (text.size() >= sizeof out.body) return false;
    std::memcpy(out.body, text.c_str(), text.size() + 1);
    return true;
}

ControlPlane::ControlPlane(const config::Config& cfg, LiveSettings& live, shm::RegionView region)
    : cfg_(cfg), live_(live), region_(region), tester_(live.published().rules) {
    send(0, "info", info());
}

ControlPlane::~ControlPlane() {
    if (reload_.valid()) reload_.wait();
}

void ControlPlane::send(uint64_t id, const char* verb, const json& body) {
    shm::ControlMessage rep{};
    rep.id = id;
    std::snprintf(rep.verb, sizeof rep.verb, "%s", verb);
    if (!encode_body(body, rep))
        encode_body(error("the reply does not fit in a control message (" + std::to_string(sizeof rep.body - 1) +
                          " bytes)"),
                    rep);
    region_.replies().try_push(rep); // a full reply ring drops: counted in its `dropped`
}

void ControlPlane::poll() {
    shm::ControlMessage request{};
    while (region_.control().try_pop(request)) {
        json reply = answer(request);
        if (!reply.is_null()) send(request.id, field_text(request.verb, sizeof request.verb).c_str(), reply);
    }
    if (reload_.valid() && reload_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) finish_reload();
    live_.reclaim();
}

json ControlPlane::answer(const shm::ControlMessage& request) {
    const std::string verb = field_text(request.verb, sizeof request.verb);
    const std::string body = field_text(request.body, sizeof request.body);
    json args = body.empty() ? json::object() : json::parse(body, nullptr, false);
    if (args.is_discarded() || !args.is_object()) return error("request body is not a JSON object");
    if (verb == "ping") return {{"ok", true}};
    if (verb == "info") return info();
    if (verb == "rules-test") return rules_test(args);
    if (verb == "rules-reload") return start_reload(request.id);
    if (verb == "thresholds") return thresholds_show();
    if (verb == "thresholds-set") return thresholds_set(args);
    return error("unknown verb '" + verb + "' (" + kVerbs + ")");
}

json ControlPlane::info() const {
    const LiveBundle& b = live_.published();
    return {{"ok", true},
            {"rules_generation", b.rules_generation},
            {"rules", b.rules->size()},
            {"thresholds_generation", b.thresholds_generation}};
}

// Every loaded rule the name matches, as many as fit in one reply; the rest are counted.
json ControlPlane::rules_test(const json& args) const {
    auto it = args.find("name");
    if (it == args.end() || !it->is_string()) return error("rules-test needs a string \"name\"");
    std::string name = it->get<std::string>();
    if (name.size() > 1 && name.back() == '.') name.pop_back(); // rules see names without the root dot
    if (name.empty() || name.size() > 253) return error("a name is 1 to 253 characters");
    const LiveBundle& b = live_.published();
    json reply = {{"ok", true}, {"generation", b.rules_generation}, {"rules", b.rules->size()},
                  {"matches", json::array()}, {"omitted", 0}};
    shm::ControlMessage probe{};
    for (uint32_t id : tester_.all_matches(name)) {
        const rules::Rule& r = b.rules->rule(id);
        reply["matches"].push_back({{"id", id}, {"category", category_name(r.category)}, {"file", r.file},
                                    {"line", r.line}, {"text", r.text}});
        if (!encode_body(reply, probe)) {
            reply["matches"].erase(reply["matches"].size() - 1);
            reply["omitted"] = reply["omitted"].get<int>() + 1;
        }
    }
    return reply;
}

json ControlPlane::start_reload(uint64_t id) {
    if (reload_.valid()) return error("a reload is already in progress (request " + std::to_string(reload_id_) + ")");
    const std::string pdns = config::resolve_rules_path(cfg_, cfg_.rules.pdns);
    const std::string sensitive = config::resolve_rules_path(cfg_, cfg_.rules.sensitive);
    reload_id_ = id;
    // Compiling takes milliseconds to seconds (minutes for a huge file): on
    // its own detached thread, so the main lcore keeps receiving and
    // steering meanwhile, and a SIGTERM mid-compile stops the process rather
    // than waiting for it (a std::async future would block in its destructor).
    std::packaged_task<Compiled()> compile([pdns, sensitive] {
        Compiled out;
        const auto start = std::chrono::steady_clock::now();
        try {
            out.rules = rules::RuleSet::load(pdns, sensitive);
        } catch (const std::exception& e) {
            out.error = e.what();
        }
        out.compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        return out;
    });
    reload_ = compile.get_future();
    std::thread(std::move(compile)).detach();
    return nullptr;
}

void ControlPlane::finish_reload() {
    Compiled c = reload_.get();
    const double compile_ms = double(int64_t(c.compile_ms * 10 + 0.5)) / 10;
    if (!c.rules) {
        json reply = error(c.error);
        reply["generation"] = live_.published().rules_generation; // the old rules stay
        send(reload_id_, "rules-reload", reply);
        return;
    }
    try { // both steps that can fail come before anything changes
        rules::Matcher tester(c.rules);
        live_.publish_rules(c.rules);
        tester_ = std::move(tester);
    } catch (const std::exception& e) {
        send(reload_id_, "rules-reload", error(std::string("rules compiled but not published: ") + e.what()));
        return;
    }
    const LiveBundle& b = live_.published();
    send(reload_id_, "rules-reload",
         {{"ok", true}, {"generation", b.rules_generation}, {"rules", b.rules->size()},
          {"pdns", b.rules->pdns_count()}, {"sensitive", b.rules->size() - b.rules->pdns_count()},
          {"compile_ms", compile_ms}});
    send(0, "info", info());
}

json ControlPlane::thresholds_show() const {
    const LiveBundle& b = live_.published();
    json values = json::object();
    for (const auto& [key, text] : config::threshold_values(b.thresholds))
        if (!config::daemon_owned_threshold(key)) values[key] = json::parse(text);
    return {{"ok", true}, {"generation", b.thresholds_generation}, {"thresholds", values}};
}

json ControlPlane::thresholds_set(const json& args) {
    auto key = args.find("key"), value = args.find("value");
    if (key == args.end() || !key->is_string() || value == args.end() || !(value->is_string() || value->is_number()))
        return error("thresholds-set needs a string \"key\" and a \"value\"");
    const std::string k = key->get<std::string>();
    if (config::daemon_owned_threshold(k)) return error("[detectors] " + k + " is applied by recontapd");
    config::Detectors next = live_.published().thresholds;
    try {
        config::set_threshold(next, k, value->is_string() ? value->get<std::string>() : dump(*value));
    } catch (const config::ConfigError& e) {
        return error(e.what());
    }
    live_.publish_thresholds(next);
    json reply = thresholds_show();
    reply["key"] = k;
    reply["value"] = reply["thresholds"][k];
    reply.erase("thresholds");
    send(0, "info", info());
    return reply;
}

} // namespace recontap::dataplane
