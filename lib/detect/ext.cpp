// EXT: an address outside the internal networks asking the internal DNS
// servers, or asking anyone about internal zones: outsiders mapping the site.
#include "detect/detectors.hpp"

namespace recontap::detect {

void detect_ext(const Observation& o, state::ClientState& c, Emitter& e) {
    if (!o.is_query() || !o.external_client() || (!o.internal_server() && o.name().internal_zone < 0)) return;
    ++c.ext_queries;
    e.fire(shm::Detector::EXT, o, c, {{"queries", c.ext_queries}}, o.internal_server() ? "internal server" : "internal zone");
}

} // namespace recontap::detect
