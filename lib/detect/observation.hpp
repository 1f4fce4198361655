// One DNS message seen from its client's side, with everything the detectors
// ask about it worked out once.
#pragma once
#include "dns/message.hpp"
#include "detect/name_verdicts.hpp"
#include "detect/site.hpp"
#include "dns/packet.hpp"
#include "rules/rules.hpp"

#include <cstdint>
#include <string_view>

namespace recontap::detect {

// qname's facts from the worker's verdict cache (rule match, internal zone,
// allow-list, base domain, hashes), looked up the first time a detector asks:
// every query needs them, most responses (NOERROR, nothing fired) none.
class LazyVerdict {
public:
    using Lookup = const NameVerdict& (*)(void* owner, const dns::DnsQuestion* q);
    LazyVerdict(Lookup lookup, void* owner, const dns::DnsQuestion* q) : lookup_(lookup), owner_(owner), q_(q) {}
    const NameVerdict& get() const {
        if (!verdict_) verdict_ = &lookup_(owner_, q_);
        return *verdict_;
    }

private:
    Lookup lookup_;
    void* owner_;
    const dns::DnsQuestion* q_; // the first question; null when none
    mutable const NameVerdict* verdict_ = nullptr;
};

struct Observation {
    uint64_t ts_ns;
    const dns::PacketView& pkt;
    const dns::DnsMessage& msg;
    const dns::IpAddr& client;   // source of a query, destination of a response
    const dns::IpAddr& server;
    uint16_t client_port, server_port;
    std::string_view qname;      // first question ("" when none)
    uint16_t qtype, qclass;
    rules::Match match;          // rule hits of qname (queries only)
    const Site& site;
    const LazyVerdict& verdict;
    bool is_query() const { return !msg.qr(); }
    // Asked by the few detectors that need them (EXT, MISCONF, an alert's
    // flags), not worked out for every message: the network lists are
    // scanned only then.
    bool external_client() const { return !site.internal_address(client); } // outside internal_networks
    bool internal_server() const { return site.dns_server(server); }       // a configured internal DNS server
    // qname's facts: internal_zone (index, -1 if none), allowed_domain, base
    // domain, hashes; the defaults when there is no question.
    const NameVerdict& name() const { return verdict.get(); }
};

} // namespace recontap::detect
