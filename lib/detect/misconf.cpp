// MISCONF: the server answered something it should not have: a zone
// transfer with records, a recursive answer to an outsider (open resolver),
// or its software version over CHAOS TXT. Fired on the response, so it says
// the weakness is real, not just probed.
#include "detect/detectors.hpp"
#include "shm/detail_tags.hpp"

namespace recontap::detect {

void detect_misconf(const Observation& o, state::ClientState& c, Emitter& e) {
    if (o.is_query() || o.msg.rcode != 0) return;
    const dns::DnsMessage& m = o.msg;
    if ((o.qtype == 252 || o.qtype == 251) && m.ancount > 0) {
        e.fire_kind(shm::Detector::MISCONF, c.misconf_fired, misconf_transfer, o, c,
                    {{"answer_records", m.ancount}, {"soa_records", m.answer_soa}}, shm::detail_tag::kTransferAnswered);
    } else if (o.qclass == 3 && m.chaos_txt_answer) {
        // hostname.bind and id.server name the server, not its software.
        const bool identity = name_under(o.qname, "hostname.bind") || name_under(o.qname, "id.server");
        e.fire_kind(shm::Detector::MISCONF, c.misconf_fired, misconf_version, o, c, {{"answer_records", m.ancount}},
                    identity ? shm::detail_tag::kIdentityDisclosed : shm::detail_tag::kVersionDisclosed);
    } else if (m.rd() && m.ra() && m.ancount > 0 && o.external_client() && o.internal_server() && o.name().internal_zone < 0) {
        e.fire_kind(shm::Detector::MISCONF, c.misconf_fired, misconf_open_recursion, o, c,
                    {{"answer_records", m.ancount}}, shm::detail_tag::kOpenRecursion);
    }
}

} // namespace recontap::detect
