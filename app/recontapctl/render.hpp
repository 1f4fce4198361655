// Human-readable tables for recontapctl's replies (--json prints them raw).
#pragma once
#include <nlohmann/json.hpp>

#include <ostream>

namespace recontap::ctl {

void render_status(const nlohmann::json& reply, std::ostream& out);
void render_stats(const nlohmann::json& reply, std::ostream& out);
void render_detections(const nlohmann::json& reply, std::ostream& out);
void render_top(const nlohmann::json& reply, std::ostream& out);

} // namespace recontap::ctl
