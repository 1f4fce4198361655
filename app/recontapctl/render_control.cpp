// Human output of the control commands: rules test/reload, thresholds.
#include "render.hpp"

#include <algorithm>
#include <string>

namespace recontap::ctl {

using nlohmann::json;

namespace {

std::string text(json v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

} // namespace

void render_rules_test(json r, std::ostream& out) {
    json matches = r["matches"];
    const uint64_t omitted = r.value("omitted", uint64_t(0));
    const std::size_t total = matches.size() + omitted;
    out << text(r["name"]) << ": ";
    if (total == 0) out << "no loaded rule matches";
    else out << total << " rule(s) match";
    out << " (rules generation " << text(r["generation"]) << ", " << text(r["rules"]) << " rules loaded)\n";
    for (json m : matches)
        out << "  #" << text(m["id"]) << "  " << text(m["category"]) << "  " << text(m["file"]) << ":"
            << text(m["line"]) << "  " << text(m["text"]) << "\n";
    if (omitted) out << "  ... and " << omitted << " more (the reply has room for " << matches.size() << ")\n";
}

void render_rules_reload(json r, std::ostream& out) {
    out << "rules reloaded: generation " << text(r["generation"]) << ", " << text(r["rules"]) << " rules ("
        << text(r["pdns"]) << " pdns, " << text(r["sensitive"]) << " sensitive), compiled in " << text(r["compile_ms"])
        << " ms\n";
}

void render_thresholds(json r, std::ostream& out) {
    json owned = r["applied_by_recontapd"];
    if (r.contains("dataplane_error"))
        out << "[detectors]  recontapd's only; the data plane's are unknown: " << text(r["dataplane_error"]) << "\n";
    else
        out << "[detectors]  (thresholds generation " << text(r["generation"]) << ")\n";
    for (auto it = r["thresholds"].begin(); it != r["thresholds"].end(); ++it) {
        bool daemon = std::find(owned.begin(), owned.end(), it.key()) != owned.end();
        std::string key = it.key();
        key.resize(std::max<std::size_t>(key.size(), 24), ' ');
        out << key << " = " << text(*it) << (daemon ? "   # recontapd" : "") << "\n";
    }
}

void render_thresholds_set(json r, std::ostream& out) {
    out << "[detectors] " << text(r["key"]) << " = " << text(r["value"]);
    if (r.contains("applied_by")) out << "  (applied by " << text(r["applied_by"]) << ")\n";
    else out << "  (data plane thresholds generation " << text(r["generation"]) << ")\n";
}

} // namespace recontap::ctl
