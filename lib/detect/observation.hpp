// One DNS message seen from its client's side, with everything the detectors
// ask about it worked out once.
#pragma once
#include "dns/message.hpp"
#include "detect/name_verdicts.hpp"
#include "dns/packet.hpp"
#include "rules/rules.hpp"

#include <cstdint>
#include <string_view>

namespace recontap::detect {

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
    int internal_zone;           // index of the internal zone qname is under, -1 if none
    bool allowed_domain;         // qname under an allowlisted (CDN/OS/AV) domain
    bool external_client;        // client outside internal_networks
    bool internal_server;        // server is a configured internal DNS server
    const NameVerdict& name;     // qname's cached facts (base domain, hashes); default when no question
    bool is_query() const { return !msg.qr(); }
};

} // namespace recontap::detect
