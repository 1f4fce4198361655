// ENUM: subdomain enumeration: many distinct names under one base domain
// from one client in a window (Sigma: > 200 per registered domain; Zeek
// community scripts count the same). PTR names are the RARE sweep's business
// and allowlisted CDN/OS domains legitimately fan out, so both are left out.
#include "detect/detectors.hpp"
#include "state/distinct_counter.hpp"

namespace recontap::detect {

// The base domain and both hashes come with the name's cached verdict
// (name_verdict() in site.cpp): worked out once per distinct name.
void detect_enum(const Observation& o, state::ClientState& c, Emitter& e) {
    if (!o.is_query() || o.qname.empty() || o.name().allowed_domain || o.name().under_arpa) return;
    std::string_view base = o.qname.substr(o.name().base_begin, o.name().base_len);
    if (base.size() == o.qname.size()) return; // the base itself: not a subdomain
    // 32 bits tell a client's two slots apart: a clash needs two bases
    // colliding for one client in one window (about 1 in 4 billion).
    uint32_t bh = uint32_t(o.name().base_hash);
    state::DomainSlot* slot = nullptr;
    for (auto& s : c.domains)
        if (s.base_hash == bh) slot = &s;
    if (!slot) {
        // Take the slot holding fewer names: a target under enumeration keeps
        // its slot while the client's ordinary lookups churn the other.
        slot = c.domains[0].names_set <= c.domains[1].names_set ? &c.domains[0] : &c.domains[1];
        slot->base_hash = bh;
        slot->names_set = 0;
        slot->names.clear();
    }
    if (!slot->names.add(o.name().name_hash)) return; // name (or its bit) seen: the count stands
    uint32_t distinct = state::DistinctCounter::estimate_for(++slot->names_set);
    if (distinct < e.thresholds().enum_distinct) return;
    char detail[48];
    std::size_t n = base.size() < sizeof detail - 1 ? base.size() : sizeof detail - 1;
    for (std::size_t i = 0; i < n; ++i) detail[i] = base[i];
    detail[n] = 0;
    e.fire(shm::Detector::ENUM, o, c, {{"distinct_names", distinct}, {"threshold", e.thresholds().enum_distinct}},
           detail);
}

} // namespace recontap::detect
