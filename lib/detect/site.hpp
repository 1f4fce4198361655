// The site model (internal networks, zones, DNS servers, allowlists) in the
// form the workers ask it: prepared once from the configuration, read-only on
// the packet path.
#pragma once
#include "config/config.hpp"
#include "detect/address_set.hpp"
#include "detect/name_verdicts.hpp"
#include "detect/suffix_set.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace recontap::detect {

// True when name equals suffix or ends with "." + suffix (ASCII caseless).
bool name_under(std::string_view name, std::string_view suffix);

class Site {
public:
    explicit Site(const config::Site& s);

    bool internal_address(const dns::IpAddr& a) const { return internal_networks_.contains(a); }
    bool allowed_client(const dns::IpAddr& a) const { return allow_clients_.contains(a); }
    bool dns_server(const dns::IpAddr& a) const { return dns_servers_.contains(a); }
    // Index of the internal zone the name is under (the first listed), or -1.
    int internal_zone(std::string_view name) const { return zones_.first_under(name); }
    bool allowed_domain(std::string_view name) const { return allowed_.any_under(name); }
    const std::string& zone(int i) const { return site_.internal_zones[std::size_t(i)]; }
    const AddressSet& intel() const { return intel_; }

private:
    config::Site site_;
    NetList internal_networks_, allow_clients_, dns_servers_;
    SuffixSet zones_;   // site_.internal_zones
    SuffixSet allowed_; // site_.allow_domains
    AddressSet intel_;
};

// Base ("registered") domain of a name for ENUM: the internal zone when the
// name is under one, else the last two labels, or three when the last two
// look like a public second-level suffix (co.uk, com.au, ...). A heuristic:
// the Public Suffix List would be exact but costs a lookup per query.
// internal_zone: site.internal_zone(name).
std::string_view base_domain(std::string_view name, int internal_zone, const Site& site);

// Everything the engine works out from a query name alone, given its rule
// match: what NameVerdicts caches.
NameVerdict name_verdict(std::string_view name, const rules::Match& match, const Site& site);

} // namespace recontap::detect
