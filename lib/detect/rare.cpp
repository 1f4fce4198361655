// RARE: record types and classes ordinary clients never ask for: zone
// transfers (AXFR 252, IXFR 251), ANY (255), CHAOS class (version.bind,
// id.server), NSEC/NSEC3 walking (47/50), PTR sweeps across one /24, and
// SRV breadth. DNSKEY (48) alone is not here: validating resolvers ask it.
#include "detect/detectors.hpp"
#include "detect/site.hpp"
#include "shm/detail_tags.hpp"
#include "state/name_hash.hpp"

#include <bit>
#include <cmath>

namespace recontap::detect {

namespace {

// Parses "d.c.b.a.in-addr.arpa" (caseless) into the /24 (a.b.c) and host d.
bool ptr_v4_target(std::string_view name, uint8_t net[3], uint8_t& host) {
    if (!name_under(name, "in-addr.arpa")) return false;
    std::string_view rest = name.substr(0, name.size() - std::string_view("in-addr.arpa").size());
    unsigned octet[4];
    for (unsigned i = 0; i < 4; ++i) {
        unsigned v = 0, digits = 0;
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9' && digits < 3) {
            v = v * 10 + unsigned(rest.front() - '0');
            rest.remove_prefix(1);
            ++digits;
        }
        if (digits == 0 || v > 255 || rest.empty() || rest.front() != '.') return false;
        rest.remove_prefix(1);
        octet[i] = v;
    }
    if (!rest.empty()) return false;
    host = uint8_t(octet[0]);
    net[0] = uint8_t(octet[3]);
    net[1] = uint8_t(octet[2]);
    net[2] = uint8_t(octet[1]);
    return true;
}

void ptr_sweep(const Observation& o, state::ClientState& c, Emitter& e) {
    uint8_t net[3], host;
    if (o.qtype != 12 || !ptr_v4_target(o.qname, net, host)) return;
    if (!c.ptr_valid || net[0] != c.ptr_net[0] || net[1] != c.ptr_net[1] || net[2] != c.ptr_net[2]) {
        c.ptr_net[0] = net[0];
        c.ptr_net[1] = net[1];
        c.ptr_net[2] = net[2];
        c.ptr_valid = 1;
        for (auto& w : c.ptr_hosts) w = 0;
    }
    c.ptr_hosts[host >> 6] |= uint64_t(1) << (host & 63);
    unsigned hosts = 0;
    for (auto w : c.ptr_hosts) hosts += unsigned(std::popcount(w));
    if (hosts < e.thresholds().ptr_sweep_hosts) return;
    e.fire_kind(shm::Detector::RARE, c.rare_fired, rare_ptr_sweep, o, c,
                {{"distinct_ptr_in_24", hosts}, {"threshold", e.thresholds().ptr_sweep_hosts}}, shm::detail_tag::kPtrSweep);
}

// The service an SRV name asks for: its first two labels ("_ldap._tcp"), or
// the whole name when it has fewer.
std::string_view srv_service(std::string_view name) {
    const std::size_t first = name.find('.');
    const std::size_t second = first == std::string_view::npos ? first : name.find('.', first + 1);
    return name.substr(0, second);
}

// SRV breadth: many distinct services from one client (an SRV brute force)
// where a domain member asks a handful. Counted by service, not by name: a
// Windows member's locator asks _ldap._tcp under dc/pdc/gc/site/GUID forms,
// 16 or more names for 5-8 services, which counted by name crossed the
// threshold on every boot. Distinct services in a 128-bit linear-counting
// bitmap; the estimate is only worked out on an SRV query.
void srv_breadth(const Observation& o, state::ClientState& c, Emitter& e) {
    const uint64_t bit = state::hash_name_caseless(srv_service(o.qname)) & 127;
    c.srv_names[bit >> 6] |= uint64_t(1) << (bit & 63);
    const unsigned set = unsigned(std::popcount(c.srv_names[0]) + std::popcount(c.srv_names[1]));
    const unsigned threshold = e.thresholds().srv_breadth_names;
    if (set < threshold * 3 / 4) return; // the estimate is never below the bits set; skip the log
    const double estimate = set >= 128 ? 128 * std::log(128.0) : -128 * std::log(1 - set / 128.0);
    if (estimate + 0.5 < threshold) return;
    e.fire_kind(shm::Detector::RARE, c.rare_fired, rare_srv_breadth, o, c,
                {{"distinct_srv_services", uint64_t(estimate + 0.5)}, {"threshold", threshold}}, shm::detail_tag::kSrvBreadth);
}

} // namespace

void detect_rare(const Observation& o, state::ClientState& c, Emitter& e) {
    if (!o.is_query()) return;
    unsigned kind;
    const char* tag;
    if (o.qclass == 3) {
        kind = rare_chaos, tag = shm::detail_tag::kChaos;
    } else {
        switch (o.qtype) {
        case 252: kind = rare_axfr, tag = shm::detail_tag::kAxfr; break;
        case 251: kind = rare_ixfr, tag = shm::detail_tag::kIxfr; break;
        case 255: kind = rare_any, tag = shm::detail_tag::kAny; break;
        case 47:
        case 50: kind = rare_nsec_walk, tag = shm::detail_tag::kNsecWalk; break;
        case 33: srv_breadth(o, c, e); return;
        default: ptr_sweep(o, c, e); return;
        }
    }
    ++c.rare_queries;
    e.fire_kind(shm::Detector::RARE, c.rare_fired, kind, o, c, {{"rare_queries", c.rare_queries}, {"qtype", o.qtype}},
                tag);
}

} // namespace recontap::detect
