// NXD: a pattern of failed lookups (NXDOMAIN, SERVFAIL, REFUSED), both as a
// count and as a share of the client's responses, so a busy host with a few
// typos stays quiet. *.arpa and allowlisted domains are left out, as Splunk's
// and Sentinel's published searches do (mail servers' PTR and DNSBL checks).
#include "detect/detectors.hpp"

namespace recontap::detect {

namespace {
bool failure(uint16_t rcode) { return rcode == 3 || rcode == 2 || rcode == 5; }
} // namespace

void detect_nxd(const Observation& o, state::ClientState& c, Emitter& e) {
    if (o.is_query() || !failure(o.msg.rcode) || o.name().allowed_domain || o.name().under_arpa) return;
    ++c.failures;
    if (o.msg.rcode == 3) ++c.nxdomain;
    const auto& t = e.thresholds();
    if (c.failures < t.nxd_count || double(c.failures) < t.nxd_ratio * double(c.responses)) return;
    // The detail is the failure of the response that crossed the threshold.
    const char* failed = dns::rcode_name(o.msg.rcode).data(); // a literal: failure() took 2, 3 or 5
    e.fire(shm::Detector::NXD, o, c,
           {{"failures", c.failures}, {"nxdomain", c.nxdomain}, {"responses", c.responses},
            {"threshold", t.nxd_count}},
           failed);
}

} // namespace recontap::detect
