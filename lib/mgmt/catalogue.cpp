#include "mgmt/catalogue.hpp"

#include "shm/detail_tags.hpp"

namespace recontap::mgmt {

namespace {

constexpr const char* kMitreId = "T1596.001";
constexpr const char* kMitreName = "Search Open Technical Databases: DNS/Passive DNS";
constexpr const char* kInfoLeak = "Attempted Information Leak";

// Next steps, from the playbook (DESIGN.md "Detections", RECON_REFERENCE.md
// sections 3-5), in the order an analyst would do them.
constexpr const char* kBulkSteps[] = {
    "Check whether the host is a resolver, mail relay, monitoring or IPAM system; if so allowlist it",
    "Group the host's queries in the window by registered domain to see which targets it resolves",
    "Find the user and process that sent them (EDR process tree, proxy and login logs)",
    "If the names are under your own domains, treat it as active reconnaissance and consider containment",
};
constexpr const char* kEnumSteps[] = {
    "List the names queried under the base domain: brute-force wordlists show as common labels in alphabetical order",
    "Find which guessed names resolved: those hosts are what the actor now knows",
    "Identify the tool and user on the client (dnsrecon, amass, gobuster, massdns ...)",
    "If the base domain is yours, review what the discovered hosts expose to the internet",
};
constexpr const char* kNxdSteps[] = {
    "Look at the failed names: random labels mean wildcard tests or brute force, typos or one dead domain mean a broken application",
    "Rule out mail-server DNSBL lookups and browser intranet-redirect probes",
    "Look for ENUM, BULK or PDNS from the same client in the same period",
    "Identify the process on the client that generated the failures",
};
constexpr const char* kSpikeSteps[] = {
    "Compare with the client's and the site's usual volume: a new deployment, backup or update job explains many spikes",
    "Break the spike down by registered domain and query type",
    "If no job explains it, identify the process on the client and look for ENUM or NXD alongside",
};
constexpr const char* kPdnsSteps[] = {
    "A passive-DNS, certificate-transparency or scan-database API was resolved: someone on this host is mining public data",
    "Ask whether the host belongs to the security or threat-intel team; allowlist it if so",
    "Find the user and process, and any other detection from this client within the correlation window",
    "Assume your public DNS footprint is being mapped: review what passive DNS and crt.sh show about your domains",
};
constexpr const char* kSensSteps[] = {
    "Check whether the queried sensitive names (vpn, admin, backup, dev, jenkins ...) exist and what they resolve to",
    "Under an internal zone the client already knows your naming: identify the user and why they look for these services",
    "Review the exposure and authentication of the named services",
};
constexpr const char* kRareSteps[] = {
    "AXFR/IXFR: check whether the server answered with records; allow transfers only to secondaries",
    "CHAOS version.bind/id.server: configure the server to hide its version and identity",
    "NSEC/NSEC3/DNSKEY walking: the zone is being enumerated; consider NSEC3 or minimal responses",
    "PTR sweep or SRV breadth: the client is mapping an address block or services; identify it",
};
constexpr const char* kExtSteps[] = {
    "An address outside the internal networks reached internal DNS: check the firewall rules that let it in",
    "Confirm whether the address is a partner, VPN pool or cloud range that belongs in internal_networks",
    "If unknown, block or rate-limit it and review what it asked",
};
constexpr const char* kMisconfSteps[] = {
    "The server answered what it must not (zone transfer, recursion for an outsider, version string): fix its configuration now",
    "Assume the disclosed data (zone contents, version) is in the requester's hands",
    "Hunt for follow-up activity from the same client against the disclosed hosts",
};
constexpr const char* kIntelSteps[] = {
    "The client or server is on a threat-intelligence list: open an incident",
    "Scope it: every flow and log line to or from the address across the estate",
    "Block the address at the perimeter once scoped, and check the list entry's source and age",
};

// Next steps per RARE and MISCONF sub-kind (RECON_REFERENCE.md sections 3-5).
constexpr const char* kAxfrSteps[] = {
    "Look for the server's reply: a transfer answered with records means the whole zone left; see MISCONF from the same pair",
    "Check whether the client is a secondary name server, IPAM tool or scheduled pen-test; if so allowlist it for transfers",
    "Otherwise restrict transfers on every authoritative server to the secondaries' addresses (or TSIG)",
    "dnsrecon tries a transfer against every name server of a domain: look for the same client asking other servers",
};
constexpr const char* kIxfrSteps[] = {
    "An incremental transfer from a host that is not a secondary: check whether the server sent zone changes back",
    "Confirm the client is not a secondary or an IPAM tool before anything else; allowlist it if it is",
    "Restrict IXFR like AXFR: only the secondaries, ideally with TSIG",
};
constexpr const char* kAnySteps[] = {
    "ANY asks for every record at a name in one go: see which names were asked and whether the server answered in full",
    "Recon scripts and reflection attacks both use ANY: check the volume and whether the source address is spoofable (UDP)",
    "Consider minimal ANY responses (RFC 8482) on the servers that answered",
};
constexpr const char* kChaosSteps[] = {
    "CHAOS version.bind, id.server or authors.bind: the client fingerprints the DNS software (nmap, dnsrecon do this per server)",
    "Check whether the server disclosed its version (a MISCONF alert follows if it did); hide version and identity if so",
    "Look at what else the client probed on the same servers: a fingerprint usually precedes a targeted attempt",
};
constexpr const char* kNsecWalkSteps[] = {
    "NSEC/NSEC3 queries from a client walk the signed zone to list every name in it",
    "With plain NSEC the full zone is readable: consider NSEC3 with opt-out off, or online signing with minimal answers",
    "Treat the zone's names as known to the client and review what those hosts expose",
};
constexpr const char* kPtrSweepSteps[] = {
    "Contiguous PTR lookups across one /24: the client maps which addresses have names (fierce, dnsrecon -t rvl)",
    "Rule out a mail server's or log collector's reverse lookups: those scatter over unrelated /24s",
    "Identify the process on the client and the address block it swept; expect probes of the named hosts next",
};
constexpr const char* kSrvBreadthSteps[] = {
    "The client asked for many unrelated SRV services (_finger, _nntp, _h323*, _whois ...): an SRV brute force, "
    "as dnsrecon runs it, not a domain member's handful of _ldap/_kerberos/_gc lookups",
    "List which services answered: each is a host and port the requester now knows to probe",
    "Identify the process on the client; expect connection attempts to the services found",
};
constexpr const char* kTransferAnsweredSteps[] = {
    "The server handed out the zone: fix its allow-transfer list now (secondaries only, TSIG)",
    "Assume the requester holds every name and address in the zone; review those hosts' exposure",
    "Hunt for connections from the requester to hosts named in the zone",
};
constexpr const char* kVersionDisclosedSteps[] = {
    "The server told a client its software version: set it to hide version, hostname and id.server",
    "Check the disclosed version against known vulnerabilities and patch if it is behind",
    "Watch the requester for exploitation attempts against that server",
};
constexpr const char* kIdentityDisclosedSteps[] = {
    "The server told a client its host name or instance id (hostname.bind, id.server): set it to hide them",
    "Expect the requester to target that host by name next; review what else it asked",
    "If the requester is a monitoring system of yours, allow its address (allow_clients) rather than the query",
};
constexpr const char* kOpenRecursionSteps[] = {
    "An internal server resolved a name for an outside client: it is an open resolver; limit recursion to internal networks",
    "Open resolvers are used for cache snooping and reflection: check the server's query volume from outside",
    "Block or rate-limit the outside client and review what it asked",
};
constexpr const char* kSiteSpikeSteps[] = {
    "The whole site asked far more than usual in one window, with no single host standing out: a distributed "
    "run (massdns over many hosts, malware resolving a target list) or a site-wide job",
    "Break the window down by registered domain and by client: many hosts asking names under one foreign domain "
    "is reconnaissance; the alert's source is only the busiest of them",
    "Rule out a change on the site (software rollout, resolver failover, a new monitoring check) before escalating",
};

struct SubKindSteps {
    shm::Detector detector;
    const char* detail;
    std::span<const char* const> steps;
};
constexpr SubKindSteps kSubKinds[] = {
    {shm::Detector::RARE, shm::detail_tag::kAxfr, kAxfrSteps},
    {shm::Detector::RARE, shm::detail_tag::kIxfr, kIxfrSteps},
    {shm::Detector::RARE, shm::detail_tag::kAny, kAnySteps},
    {shm::Detector::RARE, shm::detail_tag::kChaos, kChaosSteps},
    {shm::Detector::RARE, shm::detail_tag::kNsecWalk, kNsecWalkSteps},
    {shm::Detector::RARE, shm::detail_tag::kPtrSweep, kPtrSweepSteps},
    {shm::Detector::RARE, shm::detail_tag::kSrvBreadth, kSrvBreadthSteps},
    {shm::Detector::SPIKE, shm::detail_tag::kSiteWide, kSiteSpikeSteps},
    {shm::Detector::MISCONF, shm::detail_tag::kTransferAnswered, kTransferAnsweredSteps},
    {shm::Detector::MISCONF, shm::detail_tag::kVersionDisclosed, kVersionDisclosedSteps},
    {shm::Detector::MISCONF, shm::detail_tag::kIdentityDisclosed, kIdentityDisclosedSteps},
    {shm::Detector::MISCONF, shm::detail_tag::kOpenRecursion, kOpenRecursionSteps},
};

constexpr DetectorInfo kCatalogue[] = {
    {"BULK", "RECONTAP BULK bulk DNS queries from one host", kInfoLeak, 2, kMitreId, kMitreName, kBulkSteps},
    {"ENUM", "RECONTAP ENUM subdomain enumeration", kInfoLeak, 2, kMitreId, kMitreName, kEnumSteps},
    {"NXD", "RECONTAP NXD pattern of failed DNS lookups", kInfoLeak, 3, kMitreId, kMitreName, kNxdSteps},
    {"SPIKE", "RECONTAP SPIKE DNS volume spike", "Potentially Bad Traffic", 3, kMitreId, kMitreName, kSpikeSteps},
    {"PDNS", "RECONTAP PDNS passive DNS or open technical database lookup", kInfoLeak, 3, kMitreId, kMitreName,
     kPdnsSteps},
    {"SENS", "RECONTAP SENS query for sensitive subdomains or services", kInfoLeak, 2, kMitreId, kMitreName,
     kSensSteps},
    {"RARE", "RECONTAP RARE query for records usually not accessed", kInfoLeak, 2, kMitreId, kMitreName, kRareSteps},
    {"EXT", "RECONTAP EXT external address querying internal DNS", kInfoLeak, 2, kMitreId, kMitreName, kExtSteps},
    {"MISCONF", "RECONTAP MISCONF DNS misconfiguration exercised", "Misc activity", 2, kMitreId, kMitreName,
     kMisconfSteps},
    {"INTEL", "RECONTAP INTEL known threat-actor infrastructure", "Potentially Bad Traffic", 2, kMitreId, kMitreName,
     kIntelSteps},
};
static_assert(std::size(kCatalogue) == shm::kDetectorCount, "one catalogue entry per detector");

} // namespace

const DetectorInfo* detector_info(uint8_t d) {
    if (d >= shm::kDetectorCount) return nullptr;
    return &kCatalogue[d];
}

uint32_t signature_id(uint8_t d) { return kSignatureIdBase + d; }

std::span<const char* const> next_steps(uint8_t d, std::string_view detail) {
    for (const SubKindSteps& k : kSubKinds)
        if (static_cast<uint8_t>(k.detector) == d && detail == k.detail) return k.steps;
    const DetectorInfo* info = detector_info(d);
    return info ? info->next_steps : std::span<const char* const>{};
}

} // namespace recontap::mgmt
