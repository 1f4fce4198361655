// PDNS: the one DNS trace that passive tools (subfinder, amass passive,
// theHarvester) leave: their host resolving the API names of passive-DNS and
// open technical databases (rules/pdns-providers.rules).
#include "detect/detectors.hpp"

namespace recontap::detect {

void detect_pdns(const Observation& o, state::ClientState& c, Emitter& e, const rules::RuleSet& rules) {
    if (!o.is_query() || !(o.match.categories & (1u << unsigned(rules::Category::pdns)))) return;
    ++c.pdns_hits;
    if (c.pdns_hits < e.thresholds().pdns_hits) return;
    const rules::Rule& r = rules.rule(o.match.pdns_rule);
    e.fire(shm::Detector::PDNS, o, c, {{"lookups", c.pdns_hits}, {"rule_line", r.line}}, r.text.c_str());
}

} // namespace recontap::detect
