// Human-readable tables for recontapctl's replies (--json prints them raw).
// Replies are taken by value: a missing field then reads as null and throws
// (caught by main) instead of tripping nlohmann's assertion on const access.
#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace recontap::ctl {

void render_status(nlohmann::json reply, std::ostream& out);
void render_stats(nlohmann::json reply, std::ostream& out);
void render_detections(nlohmann::json reply, std::ostream& out);
void render_top(nlohmann::json reply, std::ostream& out);
void render_watchlist(nlohmann::json reply, std::ostream& out);
// format: plain, csv or json; warnings (an incomplete list) go to warn.
void render_blocklist(nlohmann::json reply, const std::string& format, std::ostream& out, std::ostream& warn);
// "generation G, N rule(s); thresholds generation T" from a status/stats "settings" object.
std::string settings_line(nlohmann::json settings);

// Control commands (render_control.cpp).
void render_rules_test(nlohmann::json reply, std::ostream& out);
void render_rules_reload(nlohmann::json reply, std::ostream& out);
void render_thresholds(nlohmann::json reply, std::ostream& out);
void render_thresholds_set(nlohmann::json reply, std::ostream& out);

} // namespace recontap::ctl
