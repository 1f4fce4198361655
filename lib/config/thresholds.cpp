#include "config/thresholds.hpp"

#include <cstdio>
#include <cstdlib>

namespace recontap::config {

namespace {

// One entry per [detectors] key; config_test proves it names every key the
// loader knows. Exactly one of the two member pointers is set.
struct ThresholdField {
    std::string_view key;
    uint32_t Detectors::*count;
    double Detectors::*ratio;
};

#define RECONTAP_COUNT(member) ThresholdField{#member, &Detectors::member, nullptr}
#define RECONTAP_RATIO(member) ThresholdField{#member, nullptr, &Detectors::member}
constexpr ThresholdField kThresholds[] = {
    RECONTAP_COUNT(window_s),          RECONTAP_COUNT(bulk_queries),         RECONTAP_COUNT(nxd_count),
    RECONTAP_RATIO(nxd_ratio),         RECONTAP_COUNT(sens_hits),            RECONTAP_COUNT(sens_hits_internal),
    RECONTAP_COUNT(enum_distinct),     RECONTAP_COUNT(pdns_hits),            RECONTAP_COUNT(ptr_sweep_hosts),
    RECONTAP_COUNT(srv_breadth_names),
    RECONTAP_COUNT(spike_factor),      RECONTAP_COUNT(spike_min_queries),    RECONTAP_COUNT(spike_baseline_windows),
    RECONTAP_RATIO(spike_alpha),       RECONTAP_COUNT(site_spike_factor),    RECONTAP_COUNT(site_spike_min_queries),
    RECONTAP_COUNT(correlation_window_s), RECONTAP_COUNT(suppress_s),
};
#undef RECONTAP_COUNT
#undef RECONTAP_RATIO

const ThresholdField* find(std::string_view key) {
    for (const auto& f : kThresholds)
        if (f.key == key) return &f;
    return nullptr;
}

// A value is one TOML number: anything else could smuggle a second key or
// table into the one-line file.
bool looks_numeric(std::string_view v) {
    if (v.empty() || v.size() > 32) return false;
    for (char c : v)
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' || c == '_'))
            return false;
    return true;
}

} // namespace

bool daemon_owned_threshold(std::string_view key) {
    return key == "correlation_window_s" || key == "suppress_s" || key == "site_spike_factor" ||
           key == "site_spike_min_queries";
}

// The site-wide SPIKE in recontapd shares the per-client SPIKE's history length and alpha.
bool daemon_reads_threshold(std::string_view key) {
    return daemon_owned_threshold(key) || key == "spike_alpha" || key == "spike_baseline_windows";
}

std::vector<std::pair<std::string, std::string>> threshold_values(const Detectors& d) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : kThresholds) {
        char buf[32];
        if (f.count) std::snprintf(buf, sizeof buf, "%u", d.*f.count);
        else
            for (int digits = 1; digits <= 17; ++digits) { // the shortest text that reads back the same
                std::snprintf(buf, sizeof buf, "%.*g", digits, d.*f.ratio);
                if (std::strtod(buf, nullptr) == d.*f.ratio) break;
            }
        out.emplace_back(std::string(f.key), buf);
    }
    return out;
}

void set_threshold(Detectors& d, std::string_view key, std::string_view value) {
    const ThresholdField* field = find(key);
    const std::string where = "[detectors] " + std::string(key) + ": ";
    if (!field) {
        std::string known;
        for (const auto& f : kThresholds) known += (known.empty() ? "" : ", ") + std::string(f.key);
        throw ConfigError("[detectors]: unknown key \"" + std::string(key) + "\" (one of " + known + ")");
    }
    if (!looks_numeric(value)) throw ConfigError(where + "expected a number, got \"" + std::string(value) + "\"");
    Config parsed;
    try {
        parsed = parse("[detectors]\n" + std::string(key) + " = " + std::string(value) + "\n", "");
    } catch (const ConfigError& e) {
        // The loader says ":LINE:COL: [detectors] KEY: ..."; the line is ours, not the user's.
        std::string_view what = e.what();
        auto at = what.find("[detectors] ");
        if (at != std::string_view::npos) throw ConfigError(std::string(what.substr(at)));
        throw ConfigError(where + "expected a number, got \"" + std::string(value) + "\"");
    }
    // Every window and SPIKE baseline is cut on window_s: a new length mid-run
    // would compare windows of one length with baselines of another.
    if (key == "window_s")
        throw ConfigError(where + "cannot change at run time (windows and SPIKE baselines are cut on it): "
                                  "set it in the configuration file and restart");
    if (field->count) d.*field->count = parsed.detectors.*field->count;
    else d.*field->ratio = parsed.detectors.*field->ratio;
}

} // namespace recontap::config
