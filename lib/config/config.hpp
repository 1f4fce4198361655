// Configuration: parsed once at the edge (program start or reload) from TOML.
// Every key has a default; a file names only what differs. The documented
// default file is drivers-config/recontap.toml.
#pragma once
#include "dns/packet.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace recontap::config {

struct Cidr {
    dns::IpAddr addr;   // network address, host bits zero
    uint8_t prefix = 0; // 0..32 or 0..128
    bool contains(const dns::IpAddr& a) const;
};

struct Site {
    std::vector<Cidr> internal_networks;        // default: RFC 1918, RFC 4193, loopback
    std::vector<std::string> internal_zones;    // lower-case, no trailing dot ("corp.example")
    std::vector<dns::IpAddr> dns_servers;       // internal resolvers / authoritative servers
    std::vector<Cidr> allow_clients;            // never alerted on (IPAM, secondaries, pen-test boxes)
    std::vector<std::string> allow_domains;     // suffixes never counted (CDN/OS/AV)
};

struct Port {
    std::string vdev; // DPDK vdev devargs, e.g. "net_pcap0,rx_pcap=/x.pcap"
    std::string pci;  // or a PCI address
};

struct Mgmt {
    std::string socket = "/run/recontap/recontapd.sock";
    std::string shm = "/recontap";
    std::string logdir = "/var/log/recontap";
};

struct Dataplane {
    uint32_t workers = 1;
    uint32_t clients_per_worker = 65536;   // client table capacity (power of two)
    uint32_t burst = 32;
    uint32_t mbufs = 8191;
    dns::DnsPorts dns_ports;               // default {53}
};

struct Rules {
    std::string pdns = "rules/pdns-providers.rules";      // relative paths resolve against the config file's
    std::string sensitive = "rules/sensitive-labels.rules"; // folder, or the install's rules/ when no -c
};

// Thresholds: defaults cite RECON_REFERENCE.md section 4 in the default config.
struct Detectors {
    uint32_t window_s = 60;                // tumbling window, packet time
    uint32_t bulk_queries = 1000;          // BULK: queries per client per window (Sigma)
    uint32_t nxd_count = 50;               // NXD: NXDOMAIN+SERVFAIL+REFUSED per client per window (ET)
    double nxd_ratio = 0.5;                //      and at least this share of the client's responses
    uint32_t sens_hits = 3;                // SENS: sensitive-name queries per client per window
    uint32_t sens_hits_internal = 1;       //       when the name is under an internal zone
    uint32_t enum_distinct = 200;          // ENUM: distinct names under one base domain per window
    uint32_t pdns_hits = 1;                // PDNS: provider lookups per client per window
    uint32_t correlation_window_s = 900;   // daemon: PDNS + other detection from one host -> Tier 2
    uint32_t suppress_s = 1800;            // daemon: repeats per (client, detector) suppressed this long
};

struct Config {
    std::string source;   // file it came from, "" for built-in defaults
    Site site;
    std::vector<Port> ports;
    Mgmt mgmt;
    Dataplane dataplane;
    Rules rules;
    Detectors detectors;
};

// Thrown for unreadable files, bad TOML, unknown keys and bad values.
// what() is one line: "FILE:LINE:COL: message".
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Loads path; an empty path gives the defaults.
Config load(const std::string& path);
// Parses TOML text (source names it in errors).
Config parse(std::string_view toml_text, const std::string& source);

// Helpers shared by config and the rest.
bool parse_ip(std::string_view text, dns::IpAddr& out);
bool parse_cidr(std::string_view text, Cidr& out);
std::string format_ip(const dns::IpAddr& a);

} // namespace recontap::config
