// Configuration: parsed once at the edge (program start or reload) from TOML.
// Every key has a default; a file names only what differs. The documented
// default file is drivers-config/recontap.toml.
#pragma once
#include "dns/packet.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace recontap::config {

struct Cidr {
    dns::IpAddr addr;   // network address, host bits zero
    uint8_t prefix = 0; // 0..32 or 0..128
    bool contains(const dns::IpAddr& a) const;
    bool operator==(const Cidr&) const = default;
};

// Built-in defaults of the two lists that have them (see defaults.cpp for the
// sources); the member initialisers below use them, so Config{} is the default.
std::vector<Cidr> default_internal_networks();   // RFC 1918, 127/8, RFC 4193, ::1
std::vector<std::string> default_allow_domains(); // CDN / OS update / AV reputation suffixes

// One line of a threat-intel address list: a network and where it came from.
struct IntelEntry {
    Cidr net;
    std::string label; // "FILE:LINE" plus the line's comment, shown to the analyst
    bool operator==(const IntelEntry&) const = default;
};

struct Site {
    std::vector<Cidr> internal_networks = default_internal_networks();
    std::vector<std::string> internal_zones;    // lower-case, no trailing dot ("corp.example")
    std::vector<dns::IpAddr> dns_servers;       // internal resolvers / authoritative servers
    std::vector<Cidr> allow_clients;            // never alerted on (IPAM, secondaries, pen-test boxes)
    std::vector<std::string> allow_domains = default_allow_domains(); // suffixes never counted
    std::vector<std::string> threat_intel;      // address-list files, as written in the config
    std::vector<IntelEntry> intel;              // their entries, read when the config is parsed
    bool operator==(const Site&) const = default;
};

struct Port {
    std::string vdev; // DPDK vdev devargs, e.g. "net_pcap0,rx_pcap=/x.pcap"
    std::string pci;  // or a PCI address
    // The DPDK device it names: the vdev's name (before its first ',') or the PCI address.
    std::string device() const { return vdev.empty() ? pci : vdev.substr(0, vdev.find(',')); }
    bool operator==(const Port&) const = default;
};

struct Mgmt {
    std::string socket = "/run/recontap/recontapd.sock";
    std::string shm = "/recontap";
    std::string logdir = "/var/log/recontap";
    std::string watchlist_file = "/var/lib/recontap/watchlist.json"; // recontapctl watchlist, kept across restarts
    bool operator==(const Mgmt&) const = default;
};

// Where the workers' frames come from (README "A live tap").
enum class RxQueues : uint8_t {
    one,        // the main lcore reads the ports' queues and steers every frame
    per_worker, // a queue a worker (at least), each steering what it reads to the client's owner
};

inline constexpr uint32_t kMaxBurst = 512; // [dataplane] burst; the loops' burst arrays are this long

struct Dataplane {
    uint32_t workers = 1;
    RxQueues rx_queues = RxQueues::one;    // live [[port]]s only: a capture (-r) is read on one queue
    uint32_t clients_per_worker = 65536;   // client table capacity (power of two)
    uint32_t burst = 32;                   // frames a receive or dequeue takes at once (1..kMaxBurst)
    uint32_t mbufs = 8191;
    dns::DnsPorts dns_ports;               // default {53}
    uint32_t ipv6_client_prefix = 64;      // IPv6 clients are one client per prefix (massdns sprays a /64)
    uint64_t client_hash_seed = 0;         // not a key: recontap draws one per run (state::ClientTable)
};

struct Rules {
    std::string pdns = "rules/pdns-providers.rules";      // relative paths resolve against the config file's
    std::string sensitive = "rules/sensitive-labels.rules"; // folder, or the install's rules/ when no -c
    bool operator==(const Rules&) const = default;
};

// Thresholds: defaults cite RECON_REFERENCE.md section 4 in the default config.
struct Detectors {
    uint32_t window_s = 60;                // tumbling window, packet time
    uint32_t bulk_queries = 1000;          // BULK: queries per client per window (Sigma)
    uint32_t nxd_count = 50;               // NXD: NXDOMAIN+SERVFAIL+REFUSED per client per window (ET)
    double nxd_ratio = 0.5;                //      and at least this share of the client's responses
    uint32_t sens_hits = 3;                // SENS: distinct sensitive names per client per window
    uint32_t sens_hits_internal = 3;       //       when the names are under an internal zone (alert is Tier 2)
    uint32_t enum_distinct = 200;          // ENUM: distinct names under one base domain per window
    uint32_t pdns_hits = 1;                // PDNS: provider lookups per client per window
    uint32_t ptr_sweep_hosts = 32;         // RARE: distinct PTR targets in one /24 per client per window
    uint32_t srv_breadth_names = 12;       // RARE: distinct SRV services ("_ldap._tcp") per client per window (brute force)
    uint32_t spike_factor = 10;            // SPIKE: queries in a window >= factor x the client's EWMA baseline
    uint32_t spike_min_queries = 500;      //        and at least this many (quiet hosts waking up are not spikes)
    uint32_t spike_baseline_windows = 5;   //        after this many windows of history
    double spike_alpha = 0.25;             //        EWMA weight of the newest window
    uint32_t site_spike_factor = 4;        // SPIKE site-wide (recontapd): all clients' queries in a window
    uint32_t site_spike_min_queries = 5000; //       >= factor x the site's EWMA baseline, and at least this many
    uint32_t correlation_window_s = 900;   // daemon: PDNS + other detection from one host -> Tier 2
    uint32_t suppress_s = 1800;            // daemon: repeats per (client, detector) suppressed this long
    bool operator==(const Detectors&) const = default;
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

// Why name cannot be a [mgmt] shm (or recontapd --shm) name; nullptr when it can.
const char* shm_name_problem(std::string_view name);
// Parses TOML text (source names it in errors).
Config parse(std::string_view toml_text, const std::string& source);

// Resolves a rule-file path from [rules]: absolute paths stay; a relative path
// resolves against the folder of config.source, and when no file was given or
// the file is not there, against the built-in data folder (the one holding
// rules/: the source tree, set by the build as RECONTAP_DATA_DIR).
std::string resolve_rules_path(const Config& config, const std::string& path);
// The folder relative rule paths fall back to (RECONTAP_DATA_DIR).
std::string data_dir();

// Every key the reader accepts, as "table.key" ("site.internal_networks",
// "port.vdev"): lets a test prove the documented file names them all.
std::vector<std::string> known_keys();

// Reads a threat-intel address list: one address or CIDR per line, '#'
// comments (a comment after the address becomes part of the label), blank
// lines ignored. Throws ConfigError "FILE:LINE: message".
std::vector<IntelEntry> read_intel_list(const std::string& path);

// Helpers shared by config and the rest.
bool parse_ip(std::string_view text, dns::IpAddr& out);
// "ADDRESS/PREFIX" with host bits zero, or a bare ADDRESS (a host: /32, /128).
bool parse_cidr(std::string_view text, Cidr& out);
// a with every bit past the first prefix cleared: the network it is in.
dns::IpAddr network_of(const dns::IpAddr& a, unsigned prefix);
std::string format_ip(const dns::IpAddr& a);   // "(unset)" for family 0
// DNS zone or suffix as written by a person -> lower case without trailing dot.
// False for an empty name, an empty label, a label over 63 octets, a name over
// 253, or a character outside letters, digits, '-' and '_'.
bool normalise_zone(std::string_view text, std::string& out);

} // namespace recontap::config
