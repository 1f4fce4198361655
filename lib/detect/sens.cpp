// SENS: lookups of sensitive service names (vpn, admin, jenkins, ...). One
// such lookup is daily life; several distinct ones from one host inside a
// window is someone guessing. Under an internal zone the record is flagged,
// which escalates it to Tier 2 in the daemon.
#include "detect/detectors.hpp"

namespace recontap::detect {

void detect_sens(const Observation& o, state::ClientState& c, Emitter& e, const rules::RuleSet& rules) {
    if (!o.is_query() || o.name().allowed_domain || !(o.match.categories & (1u << unsigned(rules::Category::sensitive))))
        return;
    uint32_t h = uint32_t(o.name().name_hash); // hash_name_caseless(qname), with the cached verdict
    constexpr uint32_t kKept = sizeof c.sens_names / sizeof c.sens_names[0];
    for (uint32_t i = 0; i < kKept && i < c.sens_hits; ++i)
        if (c.sens_names[i] == h) return; // repeat of a name already counted
    if (c.sens_hits < kKept) c.sens_names[c.sens_hits] = h;
    ++c.sens_hits; // beyond kKept names, repeats may count again: only above the thresholds anyway
    const auto& t = e.thresholds();
    uint32_t need = o.name().internal_zone >= 0 ? t.sens_hits_internal : t.sens_hits;
    if (c.sens_hits < need) return;
    // The detail names the sensitive rule this name hit ("jenkins"), as
    // PDNS names its provider: what an analyst scans a list of alerts for.
    e.fire(shm::Detector::SENS, o, c, {{"distinct_sensitive_names", c.sens_hits}, {"threshold", need}},
           rules.rule(o.match.sens_rule).text.c_str());
}

} // namespace recontap::detect
