// What recontapd says about each detector: the alert's signature, category,
// severity when not escalated, MITRE technique and the analyst's next steps.
// Constant data indexed by shm::Detector; signature ids are part of the
// output format (SIEM rules key on them): never renumber.
#pragma once
#include "shm/layout.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace recontap::mgmt {

inline constexpr uint32_t kSignatureIdBase = 9100001; // + detector index

struct DetectorInfo {
    const char* id;             // "NXD"
    const char* signature;      // "RECONTAP NXD pattern of failed DNS lookups"
    const char* category;       // Suricata classification text
    int tier1_severity;         // 2 or 3 (Tier 2 is always severity 1)
    const char* mitre_id;
    const char* mitre_name;
    std::span<const char* const> next_steps;
};

// Info for detector index d; nullptr when d is not a known detector (a newer
// data plane): callers alert with a generic signature rather than dropping.
const DetectorInfo* detector_info(uint8_t d);

uint32_t signature_id(uint8_t d);

// The analyst's next steps for one record: the sub-kind's own list when
// detector d has sub-kinds (RARE, MISCONF) and detail names one of them
// (shm/detail_tags.hpp), otherwise the detector's general list. Empty for an
// unknown detector.
std::span<const char* const> next_steps(uint8_t d, std::string_view detail);

} // namespace recontap::mgmt
