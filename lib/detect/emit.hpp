// Turning a detector's verdict into a shared-memory record, at most once per
// (client, detector[, kind]) per window.
#pragma once
#include "config/config.hpp"
#include "detect/observation.hpp"
#include "shm/layout.hpp"
#include "state/client_state.hpp"

#include <initializer_list>
#include <utility>

namespace recontap::detect {

// Where records go: the worker's shared-memory ring, or a vector in tests.
class DetectionSink {
public:
    virtual ~DetectionSink() = default;
    virtual void emit(const shm::DetectionRecord& rec) = 0;
};

using EvidenceList = std::initializer_list<std::pair<const char*, uint64_t>>;

class Emitter {
public:
    Emitter(const config::Detectors& thresholds, DetectionSink& sink, uint8_t worker)
        : thresholds_(thresholds), sink_(sink), worker_(worker) {}

    const config::Detectors& thresholds() const { return thresholds_; }

    // Fires detector d for this client once per window; later calls in the
    // same window are ignored. detail: short tag shown to the analyst.
    void fire(shm::Detector d, const Observation& o, state::ClientState& c, EvidenceList evidence,
              const char* detail = "");
    // Same, once per window per kind bit (RARE and MISCONF sub-kinds).
    void fire_kind(shm::Detector d, uint16_t& fired_kinds, unsigned kind, const Observation& o,
                   state::ClientState& c, EvidenceList evidence, const char* detail);

    // A record that is not a detection (a window summary): stamped with this
    // worker's sequence and index, counted apart from detections.
    void send_summary(shm::DetectionRecord& r);

    uint64_t emitted() const { return emitted_; }
    uint64_t summaries() const { return summaries_; }

private:
    void build_and_send(shm::Detector d, const Observation& o, const state::ClientState& c, EvidenceList evidence,
                        const char* detail);
    const config::Detectors& thresholds_;
    DetectionSink& sink_;
    uint8_t worker_;
    uint64_t seq_ = 0;
    uint64_t emitted_ = 0;
    uint64_t summaries_ = 0;
};

} // namespace recontap::detect
