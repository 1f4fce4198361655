// INTEL: the client or the server is on a threat-intel address list (known
// actor infrastructure). Always escalated to Tier 2 by the daemon.
#include "detect/detectors.hpp"

#include <cstdio>

namespace recontap::detect {

void detect_intel(const Observation& o, state::ClientState& c, Emitter& e, const Site& site) {
    if (site.intel().empty()) return;
    if (!c.history.intel_checked) { // the client's verdict is looked up once, not per message
        c.history.intel_checked = 1;
        c.history.intel_listed = site.intel().find(o.client) != nullptr;
    }
    const config::IntelEntry* hit = c.history.intel_listed ? site.intel().find(o.client) : nullptr;
    const char* side = "client";
    if (!hit) {
        hit = site.intel().find(o.server);
        side = "server";
    }
    if (!hit) return;
    char detail[48];
    std::snprintf(detail, sizeof detail, "%s in %s", side, hit->label.c_str());
    e.fire(shm::Detector::INTEL, o, c, {{"listed_prefix", hit->net.prefix}}, detail);
}

} // namespace recontap::detect
