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
    unsigned index = c.domains[0].base_hash == bh ? 0 : c.domains[1].base_hash == bh ? 1 : 2;
    if (index == 2) {
        // Take the slot holding fewer names: a target under enumeration keeps
        // its slot while the client's ordinary lookups churn the other. On a
        // tie, the slot a name did not go to last: a target asked between
        // noise domains of as many names (a.x1, b.x1, target, a.x2, b.x2, ...)
        // lost its slot on every tie before, and never counted past two.
        // Noise domains of more names than the target has yet can still push
        // it out early on: two slots cannot hold every base a client asks.
        const uint16_t n0 = c.domains[0].names_set, n1 = c.domains[1].names_set;
        index = n0 != n1 ? (n0 < n1 ? 0 : 1) : 1u - c.enum_recent;
        state::DomainSlot& fresh = c.domains[index];
        fresh.base_hash = bh;
        fresh.names_set = 0;
        fresh.names.clear();
    }
    c.enum_recent = uint8_t(index);
    state::DomainSlot* slot = &c.domains[index];
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
