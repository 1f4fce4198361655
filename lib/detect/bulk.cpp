// BULK: one host sending far more queries than a person's machine does.
// Default 1,000 queries per minute per source (Sigma, RECON_REFERENCE §4).
#include "detect/detectors.hpp"

namespace recontap::detect {

void detect_bulk(const Observation& o, state::ClientState& c, Emitter& e) {
    if (!o.is_query() || c.queries < e.thresholds().bulk_queries) return;
    e.fire(shm::Detector::BULK, o, c, {{"queries", c.queries}, {"threshold", e.thresholds().bulk_queries}});
}

} // namespace recontap::detect
