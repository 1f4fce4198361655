// TOML -> Config. The schema is data: one table of fields per section, each
// field a reader that validates its value and stores it. Unknown sections and
// keys, wrong types and bad values throw ConfigError "FILE:LINE:COL: message".
#include "config/config.hpp"

#include <toml++/toml.h>

#include "config/text_file.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <span>
#include <vector>

namespace recontap::config {

namespace {

// Where a value is read from, for messages: "[site] internal_networks".
struct Ctx {
    const std::string& file;
    std::string_view table;
    std::string_view key;
};

// Edits (insert, delete, replace one character) from a to b.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// " (did you mean \"internal_zones\"?)" for a key a known one is within two
// edits of (three for a key of 10 or more: "bulk_query"); "" otherwise.
template <typename Known>
std::string did_you_mean(std::string_view key, const Known& known) {
    std::string_view best;
    std::size_t best_distance = key.size() >= 10 ? 4 : 3;
    for (const auto& k : known)
        if (std::size_t d = edit_distance(key, k.key); d < best_distance) best = k.key, best_distance = d;
    return best.empty() ? "" : " (did you mean \"" + std::string(best) + "\"?)";
}

[[noreturn]] void fail_at(const std::string& file, const toml::source_region& at, std::string_view msg) {
    throw ConfigError(file + ":" + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column) +
                      ": " + std::string(msg));
}

[[noreturn]] void fail(const Ctx& c, const toml::node& n, std::string_view msg) {
    fail_at(c.file, n.source(), "[" + std::string(c.table) + "] " + std::string(c.key) + ": " + std::string(msg));
}

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date/time";
    }
}

[[noreturn]] void wrong_type(const Ctx& c, const toml::node& n, std::string_view expected) {
    fail(c, n, "expected " + std::string(expected) + ", got " + std::string(type_name(n)));
}

uint32_t read_uint(const Ctx& c, const toml::node& n, int64_t min, int64_t max) {
    const auto* v = n.as_integer();
    if (!v) wrong_type(c, n, "an integer");
    if (v->get() < min || v->get() > max)
        fail(c, n, "must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                       std::to_string(v->get()));
    return static_cast<uint32_t>(v->get());
}

constexpr int64_t kU32Max = UINT32_MAX;

double read_ratio(const Ctx& c, const toml::node& n) {
    double value = 0;
    if (const auto* f = n.as_floating_point()) value = f->get();
    else if (const auto* i = n.as_integer()) value = static_cast<double>(i->get());
    else wrong_type(c, n, "a number");
    if (!(value >= 0.0 && value <= 1.0)) fail(c, n, "must be from 0 to 1, got " + std::to_string(value));
    return value;
}

std::string read_string(const Ctx& c, const toml::node& n) {
    const auto* v = n.as_string();
    if (!v) wrong_type(c, n, "a string");
    if (v->get().empty()) fail(c, n, "must not be empty");
    return v->get();
}

// Reads an array, handing each element to read_one.
template <typename T, typename ReadOne>
std::vector<T> read_list(const Ctx& c, const toml::node& n, ReadOne read_one) {
    const auto* arr = n.as_array();
    if (!arr) wrong_type(c, n, "an array");
    std::vector<T> out;
    for (const toml::node& element : *arr) out.push_back(read_one(c, element));
    return out;
}

Cidr read_cidr(const Ctx& c, const toml::node& n) {
    const std::string text = read_string(c, n);
    Cidr cidr;
    if (!parse_cidr(text, cidr))
        fail(c, n, "bad CIDR \"" + text + "\" (expected ADDRESS or ADDRESS/PREFIX with host bits zero)");
    return cidr;
}

dns::IpAddr read_ip(const Ctx& c, const toml::node& n) {
    const std::string text = read_string(c, n);
    dns::IpAddr ip;
    if (!parse_ip(text, ip)) fail(c, n, "bad IP address \"" + text + "\"");
    return ip;
}

std::string read_zone(const Ctx& c, const toml::node& n) {
    const std::string text = read_string(c, n);
    std::string zone;
    if (!normalise_zone(text, zone))
        fail(c, n, "bad zone \"" + text + "\" (letters, digits, '-', '_' in dot-separated labels of 1 to 63)");
    return zone;
}

dns::DnsPorts read_ports(const Ctx& c, const toml::node& n) {
    const auto list = read_list<uint32_t>(c, n, [](const Ctx& c2, const toml::node& e) {
        return read_uint(c2, e, 1, 65535);
    });
    if (list.empty() || list.size() > dns::DnsPorts::kMax)
        fail(c, n, "must list 1 to " + std::to_string(dns::DnsPorts::kMax) + " ports");
    dns::DnsPorts ports;
    ports.n = 0;
    for (uint32_t p : list) {
        if (ports.contains(static_cast<uint16_t>(p))) fail(c, n, "port " + std::to_string(p) + " listed twice");
        ports.port[ports.n++] = static_cast<uint16_t>(p);
    }
    return ports;
}

std::string read_vdev(const Ctx& c, const toml::node& n) {
    std::string text = read_string(c, n);
    if (text.find_first_of(" \t\r\n") != std::string::npos) fail(c, n, "devargs must not contain spaces");
    return text;
}

// PCI address as DPDK takes it: [DOMAIN:]BUS:DEVICE.FUNCTION in hex.
std::string read_pci(const Ctx& c, const toml::node& n) {
    std::string text = read_string(c, n);
    const std::string_view pattern = text.size() == 12 ? "hhhh:hh:hh.h" : "hh:hh:hh.h";
    bool ok = text.size() == pattern.size();
    for (std::size_t i = 0; ok && i < text.size(); ++i)
        ok = pattern[i] == 'h' ? std::isxdigit(static_cast<unsigned char>(text[i])) != 0 : text[i] == pattern[i];
    if (!ok) fail(c, n, "bad PCI address \"" + text + "\" (expected DOMAIN:BUS:DEVICE.FUNCTION, e.g. 0000:03:00.0)");
    return text;
}

template <typename Target>
struct Field {
    std::string_view key;
    void (*read)(const Ctx&, const toml::node&, Target&);
};

template <typename Target>
using Fields = std::span<const Field<Target>>;

constexpr Field<Config> kSite[] = {
    {"internal_networks", [](const Ctx& c, const toml::node& n, Config& o) { o.site.internal_networks = read_list<Cidr>(c, n, read_cidr); }},
    {"internal_zones", [](const Ctx& c, const toml::node& n, Config& o) { o.site.internal_zones = read_list<std::string>(c, n, read_zone); }},
    {"dns_servers", [](const Ctx& c, const toml::node& n, Config& o) { o.site.dns_servers = read_list<dns::IpAddr>(c, n, read_ip); }},
    {"allow_clients", [](const Ctx& c, const toml::node& n, Config& o) { o.site.allow_clients = read_list<Cidr>(c, n, read_cidr); }},
    {"allow_domains", [](const Ctx& c, const toml::node& n, Config& o) { o.site.allow_domains = read_list<std::string>(c, n, read_zone); }},
    {"threat_intel", [](const Ctx& c, const toml::node& n, Config& o) { o.site.threat_intel = read_list<std::string>(c, n, read_string); }},
};

constexpr Field<Port> kPort[] = {
    {"vdev", [](const Ctx& c, const toml::node& n, Port& o) { o.vdev = read_vdev(c, n); }},
    {"pci", [](const Ctx& c, const toml::node& n, Port& o) { o.pci = read_pci(c, n); }},
};

} // namespace

const char* shm_name_problem(std::string_view name) {
    if (name.size() < 2 || name[0] != '/' || name.find('/', 1) != std::string_view::npos)
        return "a POSIX shared-memory name is '/' and a name without further '/'";
    if (name.size() > 200) return "a shared-memory name is at most 200 bytes";
    return nullptr;
}

namespace {

constexpr Field<Config> kMgmt[] = {
    {"socket", [](const Ctx& c, const toml::node& n, Config& o) {
         o.mgmt.socket = read_string(c, n);
         // sockaddr_un.sun_path holds 108 bytes with its NUL.
         if (o.mgmt.socket.size() > 107) fail(c, n, "a UNIX socket path is at most 107 bytes");
     }},
    {"shm", [](const Ctx& c, const toml::node& n, Config& o) {
         o.mgmt.shm = read_string(c, n);
         if (const char* problem = shm_name_problem(o.mgmt.shm)) fail(c, n, problem);
     }},
    {"logdir", [](const Ctx& c, const toml::node& n, Config& o) { o.mgmt.logdir = read_string(c, n); }},
    {"watchlist_file", [](const Ctx& c, const toml::node& n, Config& o) {
         o.mgmt.watchlist_file = read_string(c, n);
         if (o.mgmt.watchlist_file.empty()) fail(c, n, "give a file path (the watchlist is kept there)");
     }},
};

constexpr Field<Config> kDataplane[] = {
    {"workers", [](const Ctx& c, const toml::node& n, Config& o) { o.dataplane.workers = read_uint(c, n, 1, 64); }},
    {"clients_per_worker", [](const Ctx& c, const toml::node& n, Config& o) {
         const uint32_t v = read_uint(c, n, 64, 1 << 24);
         if ((v & (v - 1)) != 0) fail(c, n, "must be a power of two, got " + std::to_string(v));
         o.dataplane.clients_per_worker = v;
     }},
    {"rx_queues", [](const Ctx& c, const toml::node& n, Config& o) {
         const std::string v = read_string(c, n);
         if (v == "one") o.dataplane.rx_queues = RxQueues::one;
         else if (v == "per_worker") o.dataplane.rx_queues = RxQueues::per_worker;
         else fail(c, n, "must be \"one\" or \"per_worker\"");
     }},
    {"burst", [](const Ctx& c, const toml::node& n, Config& o) { o.dataplane.burst = read_uint(c, n, 1, kMaxBurst); }},
    {"mbufs", [](const Ctx& c, const toml::node& n, Config& o) { o.dataplane.mbufs = read_uint(c, n, 1023, 1 << 24); }},
    {"dns_ports", [](const Ctx& c, const toml::node& n, Config& o) { o.dataplane.dns_ports = read_ports(c, n); }},
    {"ipv6_client_prefix", [](const Ctx& c, const toml::node& n, Config& o) { o.dataplane.ipv6_client_prefix = read_uint(c, n, 8, 128); }},
};

constexpr Field<Config> kRules[] = {
    {"pdns", [](const Ctx& c, const toml::node& n, Config& o) { o.rules.pdns = read_string(c, n); }},
    {"sensitive", [](const Ctx& c, const toml::node& n, Config& o) { o.rules.sensitive = read_string(c, n); }},
};

#define RECONTAP_COUNT(member, min)                                                                                 \
    {#member, [](const Ctx& c, const toml::node& n, Config& o) { o.detectors.member = read_uint(c, n, min, kU32Max); }}
constexpr Field<Config> kDetectors[] = {
    {"window_s", [](const Ctx& c, const toml::node& n, Config& o) { o.detectors.window_s = read_uint(c, n, 1, 86400); }},
    RECONTAP_COUNT(bulk_queries, 1),
    RECONTAP_COUNT(nxd_count, 1),
    {"nxd_ratio", [](const Ctx& c, const toml::node& n, Config& o) { o.detectors.nxd_ratio = read_ratio(c, n); }},
    RECONTAP_COUNT(sens_hits, 1),
    RECONTAP_COUNT(sens_hits_internal, 1),
    RECONTAP_COUNT(enum_distinct, 1),
    RECONTAP_COUNT(pdns_hits, 1),
    // A PTR sweep is counted within one /24 (256 hosts), and a SPIKE's history
    // in 16 bits (state/rate_baseline.hpp): a larger threshold would silently never fire.
    {"ptr_sweep_hosts",
     [](const Ctx& c, const toml::node& n, Config& o) { o.detectors.ptr_sweep_hosts = read_uint(c, n, 2, 256); }},
    {"srv_breadth_names", [](const Ctx& c, const toml::node& n, Config& o) { o.detectors.srv_breadth_names = read_uint(c, n, 2, 100); }},
    RECONTAP_COUNT(spike_factor, 2),
    RECONTAP_COUNT(spike_min_queries, 1),
    {"spike_baseline_windows", [](const Ctx& c, const toml::node& n, Config& o) {
         o.detectors.spike_baseline_windows = read_uint(c, n, 1, UINT16_MAX);
     }},
    {"spike_alpha", [](const Ctx& c, const toml::node& n, Config& o) { o.detectors.spike_alpha = read_ratio(c, n); }},
    RECONTAP_COUNT(site_spike_factor, 2),
    RECONTAP_COUNT(site_spike_min_queries, 1),
    RECONTAP_COUNT(correlation_window_s, 0),
    RECONTAP_COUNT(suppress_s, 0),
};
#undef RECONTAP_COUNT

struct Section {
    std::string_view name;
    Fields<Config> fields;
};

constexpr Section kSections[] = {
    {"site", kSite}, {"mgmt", kMgmt}, {"dataplane", kDataplane}, {"rules", kRules}, {"detectors", kDetectors},
};

template <typename Target>
void read_table(const std::string& file, std::string_view name, const toml::table& table, Fields<Target> fields,
                Target& out) {
    for (auto&& [key, value] : table) {
        const Field<Target>* field = nullptr;
        for (const auto& f : fields)
            if (f.key == key.str()) field = &f;
        if (!field)
            fail_at(file, key.source(), "unknown key \"" + std::string(key.str()) + "\" in [" + std::string(name) + "]" +
                                            did_you_mean(key.str(), fields));
        field->read(Ctx{file, name, field->key}, value, out);
    }
}

std::vector<Port> read_port_list(const std::string& file, const toml::node& node) {
    const auto* arr = node.as_array();
    if (!arr) fail_at(file, node.source(), "port: expected [[port]] tables, got " + std::string(type_name(node)));
    std::vector<Port> ports;
    for (const toml::node& element : *arr) {
        const auto* table = element.as_table();
        if (!table) fail_at(file, element.source(), "port: expected a table, got " + std::string(type_name(element)));
        Port port;
        read_table<Port>(file, "[port]", *table, kPort, port);
        if (port.vdev.empty() == port.pci.empty())
            fail_at(file, element.source(), "[[port]]: give exactly one of vdev or pci");
        // DPDK probes a second vdev of the same name, or a PCI address twice,
        // as nothing at all: the port would be silently missing.
        const std::string device = port.device();
        for (const Port& earlier : ports)
            if (device == earlier.device())
                fail_at(file, element.source(), "[[port]]: \"" + device + "\" is already an earlier port" +
                                                    (port.vdev.empty() ? "" : " (give each vdev its own name: net_pcap0, net_pcap1, ...)"));
        ports.push_back(std::move(port));
    }
    return ports;
}

} // namespace

Config parse(std::string_view toml_text, const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source);
    } catch (const toml::parse_error& e) {
        fail_at(source, e.source(), e.description());
    }
    Config config;
    config.source = source;
    for (auto&& [key, value] : root) {
        if (key.str() == "port") {
            config.ports = read_port_list(source, value);
            continue;
        }
        const Section* section = nullptr;
        for (const auto& s : kSections)
            if (s.name == key.str()) section = &s;
        if (!section) fail_at(source, key.source(), "unknown table or key \"" + std::string(key.str()) + "\"");
        const auto* table = value.as_table();
        if (!table)
            fail_at(source, value.source(), std::string(key.str()) + ": expected a table, got " + std::string(type_name(value)));
        read_table<Config>(source, section->name, *table, section->fields, config);
    }
    for (const auto& file : config.site.threat_intel) {
        auto entries = read_intel_list(resolve_rules_path(config, file));
        config.site.intel.insert(config.site.intel.end(), entries.begin(), entries.end());
    }
    return config;
}

Config load(const std::string& path) {
    if (path.empty()) return Config{};
    int error_number = 0;
    const auto text = read_text_file(path, error_number);
    if (!text) throw ConfigError(path + ": cannot read: " + std::strerror(error_number));
    return parse(*text, path);
}

std::vector<std::string> known_keys() {
    std::vector<std::string> keys;
    for (const auto& s : kSections)
        for (const auto& f : s.fields) keys.push_back(std::string(s.name) + "." + std::string(f.key));
    for (const auto& f : kPort) keys.push_back("port." + std::string(f.key));
    return keys;
}

} // namespace recontap::config
