#include "config/config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

using namespace recontap::config;
using recontap::dns::IpAddr;

namespace {

IpAddr ip(const char* text) {
    IpAddr a;
    EXPECT_TRUE(parse_ip(text, a)) << text;
    return a;
}

// Message of the ConfigError that parsing text throws ("" when none is thrown).
std::string error_of(const std::string& text) {
    try {
        parse(text, "t.toml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

void expect_same(const Config& a, const Config& b) {
    EXPECT_EQ(a.site, b.site);
    EXPECT_EQ(a.ports, b.ports);
    EXPECT_EQ(a.mgmt, b.mgmt);
    EXPECT_EQ(a.rules, b.rules);
    EXPECT_EQ(a.detectors, b.detectors);
    EXPECT_EQ(a.dataplane.workers, b.dataplane.workers);
    EXPECT_EQ(a.dataplane.rx_queues, b.dataplane.rx_queues);
    EXPECT_EQ(a.dataplane.clients_per_worker, b.dataplane.clients_per_worker);
    EXPECT_EQ(a.dataplane.burst, b.dataplane.burst);
    EXPECT_EQ(a.dataplane.mbufs, b.dataplane.mbufs);
    EXPECT_EQ(a.dataplane.ipv6_client_prefix, b.dataplane.ipv6_client_prefix);
    ASSERT_EQ(a.dataplane.dns_ports.n, b.dataplane.dns_ports.n);
    for (int i = 0; i < a.dataplane.dns_ports.n; ++i)
        EXPECT_EQ(a.dataplane.dns_ports.port[i], b.dataplane.dns_ports.port[i]);
}

} // namespace

TEST(ConfigNet, ParsesAndFormatsAddresses) {
    EXPECT_EQ(format_ip(ip("192.0.2.7")), "192.0.2.7");
    EXPECT_EQ(format_ip(ip("2001:DB8::1")), "2001:db8::1");
    EXPECT_EQ(ip("192.0.2.7").family, 4);
    EXPECT_EQ(ip("::1").family, 6);
    EXPECT_EQ(format_ip(IpAddr{}), "(unset)");
    IpAddr a;
    EXPECT_FALSE(parse_ip("192.0.2.256", a));
    EXPECT_FALSE(parse_ip("", a));
    EXPECT_FALSE(parse_ip("example.com", a));
}

TEST(ConfigNet, CidrParsingAndContains) {
    Cidr c;
    ASSERT_TRUE(parse_cidr("172.16.0.0/12", c));
    EXPECT_EQ(c.prefix, 12);
    EXPECT_TRUE(c.contains(ip("172.31.255.255")));
    EXPECT_FALSE(c.contains(ip("172.32.0.0")));
    EXPECT_FALSE(c.contains(ip("::ffff:172.16.0.1"))); // other family
    ASSERT_TRUE(parse_cidr("fc00::/7", c));
    EXPECT_TRUE(c.contains(ip("fd12:3456::1")));
    EXPECT_FALSE(c.contains(ip("fe80::1")));
    ASSERT_TRUE(parse_cidr("192.0.2.9", c)); // bare address = host
    EXPECT_EQ(c.prefix, 32);
    EXPECT_TRUE(c.contains(ip("192.0.2.9")));
    EXPECT_FALSE(c.contains(ip("192.0.2.8")));
    ASSERT_TRUE(parse_cidr("0.0.0.0/0", c));
    EXPECT_TRUE(c.contains(ip("203.0.113.1")));
    EXPECT_FALSE(parse_cidr("10.0.0.1/8", c));   // host bits set
    EXPECT_FALSE(parse_cidr("10.0.0.0/33", c));
    EXPECT_FALSE(parse_cidr("10.0.0.0/", c));
    EXPECT_FALSE(parse_cidr("10.0.0.0/8x", c));
    EXPECT_FALSE(parse_cidr("::/129", c));
}

TEST(ConfigNet, ZonesNormalised) {
    std::string z;
    ASSERT_TRUE(normalise_zone("Corp.EXAMPLE.", z));
    EXPECT_EQ(z, "corp.example");
    ASSERT_TRUE(normalise_zone("_msdcs.corp-1.example", z));
    EXPECT_EQ(z, "_msdcs.corp-1.example");
    EXPECT_FALSE(normalise_zone("", z));
    EXPECT_FALSE(normalise_zone(".", z));
    EXPECT_FALSE(normalise_zone("a..b", z));
    EXPECT_FALSE(normalise_zone("corp example", z));
    EXPECT_FALSE(normalise_zone("corp/example", z));
    EXPECT_FALSE(normalise_zone(std::string(64, 'a') + ".example", z));
}

TEST(ConfigDefaults, BuiltInValues) {
    const Config c = load("");
    EXPECT_EQ(c.source, "");
    ASSERT_EQ(c.site.internal_networks.size(), 6u);
    for (const char* inside : {"10.1.2.3", "172.20.0.1", "192.168.1.1", "127.0.0.1", "fd00::5", "::1"})
        EXPECT_TRUE(std::any_of(c.site.internal_networks.begin(), c.site.internal_networks.end(),
                                [&](const Cidr& n) { return n.contains(ip(inside)); })) << inside;
    for (const char* outside : {"8.8.8.8", "172.32.0.1", "2001:db8::1", "::2"})
        EXPECT_FALSE(std::any_of(c.site.internal_networks.begin(), c.site.internal_networks.end(),
                                 [&](const Cidr& n) { return n.contains(ip(outside)); })) << outside;
    const auto& allow = c.site.allow_domains;
    for (const char* d : {"akamaiedge.net", "cloudfront.net", "amazonaws.com", "apple.com", "icloud.com",
                          "windowsupdate.com", "sophosxl.net", "avqs.mcafee.com"})
        EXPECT_NE(std::find(allow.begin(), allow.end(), d), allow.end()) << d;
    EXPECT_EQ(std::find(allow.begin(), allow.end(), "in-addr.arpa"), allow.end());
    for (const auto& d : allow) {
        std::string normal;
        EXPECT_TRUE(normalise_zone(d, normal) && normal == d) << d;
    }
    EXPECT_TRUE(c.site.internal_zones.empty());
    EXPECT_TRUE(c.ports.empty());
    EXPECT_EQ(c.dataplane.dns_ports.n, 1);
    EXPECT_EQ(c.dataplane.dns_ports.port[0], 53);
    EXPECT_EQ(c.detectors.bulk_queries, 1000u);
    EXPECT_EQ(c.detectors.enum_distinct, 200u);
}

TEST(ConfigParse, EveryKeyRead) {
    const Config c = parse(R"(
[site]
internal_networks = ["10.20.0.0/16", "2001:db8::/32"]
internal_zones = ["Corp.Example.", "lab.example"]
dns_servers = ["10.20.0.53", "2001:db8::53"]
allow_clients = ["10.20.9.9"]
allow_domains = ["cdn.example"]
[[port]]
vdev = "net_pcap0,rx_pcap=/x.pcap"
[[port]]
pci = "0000:03:00.1"
[mgmt]
socket = "/tmp/r.sock"
shm = "/recontap-test"
logdir = "/tmp/logs"
watchlist_file = "/tmp/wl.json"
[dataplane]
workers = 4
rx_queues = "per_worker"
clients_per_worker = 1024
burst = 64
mbufs = 16383
dns_ports = [53, 5353]
[rules]
pdns = "/etc/recontap/p.rules"
sensitive = "s.rules"
[detectors]
window_s = 30
bulk_queries = 500
nxd_count = 20
nxd_ratio = 0.25
sens_hits = 5
sens_hits_internal = 2
enum_distinct = 100
pdns_hits = 2
ptr_sweep_hosts = 16
correlation_window_s = 600
suppress_s = 0
)", "all.toml");
    EXPECT_EQ(c.source, "all.toml");
    ASSERT_EQ(c.site.internal_networks.size(), 2u);
    EXPECT_EQ(format_ip(c.site.internal_networks[1].addr), "2001:db8::");
    EXPECT_EQ(c.site.internal_networks[1].prefix, 32);
    EXPECT_EQ(c.site.internal_zones, (std::vector<std::string>{"corp.example", "lab.example"}));
    ASSERT_EQ(c.site.dns_servers.size(), 2u);
    EXPECT_EQ(format_ip(c.site.dns_servers[1]), "2001:db8::53");
    ASSERT_EQ(c.site.allow_clients.size(), 1u);
    EXPECT_EQ(c.site.allow_clients[0].prefix, 32);
    EXPECT_EQ(c.site.allow_domains, std::vector<std::string>{"cdn.example"});
    ASSERT_EQ(c.ports.size(), 2u);
    EXPECT_EQ(c.ports[0].vdev, "net_pcap0,rx_pcap=/x.pcap");
    EXPECT_EQ(c.ports[1].pci, "0000:03:00.1");
    EXPECT_EQ(c.mgmt.socket, "/tmp/r.sock");
    EXPECT_EQ(c.mgmt.shm, "/recontap-test");
    EXPECT_EQ(c.mgmt.logdir, "/tmp/logs");
    EXPECT_EQ(c.mgmt.watchlist_file, "/tmp/wl.json");
    EXPECT_EQ(c.dataplane.workers, 4u);
    EXPECT_EQ(c.dataplane.rx_queues, RxQueues::per_worker);
    EXPECT_EQ(c.dataplane.clients_per_worker, 1024u);
    EXPECT_EQ(c.dataplane.burst, 64u);
    EXPECT_EQ(c.dataplane.mbufs, 16383u);
    ASSERT_EQ(c.dataplane.dns_ports.n, 2);
    EXPECT_EQ(c.dataplane.dns_ports.port[1], 5353);
    EXPECT_EQ(c.rules.pdns, "/etc/recontap/p.rules");
    EXPECT_EQ(c.rules.sensitive, "s.rules");
    const Detectors& d = c.detectors;
    EXPECT_EQ(d.window_s, 30u);
    EXPECT_EQ(d.bulk_queries, 500u);
    EXPECT_EQ(d.nxd_count, 20u);
    EXPECT_DOUBLE_EQ(d.nxd_ratio, 0.25);
    EXPECT_EQ(d.sens_hits, 5u);
    EXPECT_EQ(d.sens_hits_internal, 2u);
    EXPECT_EQ(d.enum_distinct, 100u);
    EXPECT_EQ(d.pdns_hits, 2u);
    EXPECT_EQ(d.ptr_sweep_hosts, 16u);
    EXPECT_EQ(d.correlation_window_s, 600u);
    EXPECT_EQ(d.suppress_s, 0u);
}

TEST(ConfigParse, AbsentKeysKeepDefaults) {
    const Config c = parse("[detectors]\nnxd_ratio = 1\n", "t.toml");
    EXPECT_DOUBLE_EQ(c.detectors.nxd_ratio, 1.0);
    Config expected;
    expected.source = "t.toml";
    expected.detectors.nxd_ratio = 1.0;
    expect_same(c, expected);
}

TEST(ConfigErrors, ExactMessages) {
    EXPECT_EQ(error_of("[site]\nfoo = 1\n"), "t.toml:2:1: unknown key \"foo\" in [site]");
    EXPECT_EQ(error_of("[site]\ninternal_zone = [\"corp.example\"]\n"),
              "t.toml:2:1: unknown key \"internal_zone\" in [site] (did you mean \"internal_zones\"?)");
    EXPECT_EQ(error_of("[detectors]\nbulk_query = 5\n"),
              "t.toml:2:1: unknown key \"bulk_query\" in [detectors] (did you mean \"bulk_queries\"?)");
    EXPECT_EQ(error_of("[sight]\n"), "t.toml:1:2: unknown table or key \"sight\"");
    EXPECT_EQ(error_of("[dataplane]\nworkers = \"4\"\n"),
              "t.toml:2:11: [dataplane] workers: expected an integer, got a string");
    EXPECT_EQ(error_of("[site]\ninternal_networks = [\"10.0.0.0/8\", \"10.0.0.1/8\"]\n"),
              "t.toml:2:36: [site] internal_networks: bad CIDR \"10.0.0.1/8\" "
              "(expected ADDRESS or ADDRESS/PREFIX with host bits zero)");
    EXPECT_EQ(error_of("[site]\ninternal_networks = \"10.0.0.0/8\"\n"),
              "t.toml:2:21: [site] internal_networks: expected an array, got a string");
    EXPECT_EQ(error_of("[dataplane]\nworkers = 0\n"), "t.toml:2:11: [dataplane] workers: must be from 1 to 64, got 0");
    EXPECT_EQ(error_of("[dataplane]\nworkers = 65\n"), "t.toml:2:11: [dataplane] workers: must be from 1 to 64, got 65");
    EXPECT_EQ(error_of("[dataplane]\nrx_queues = \"rss\"\n"),
              "t.toml:2:13: [dataplane] rx_queues: must be \"one\" or \"per_worker\"");
    EXPECT_EQ(error_of("[dataplane]\nclients_per_worker = 1000\n"),
              "t.toml:2:22: [dataplane] clients_per_worker: must be a power of two, got 1000");
    EXPECT_EQ(error_of("[dataplane]\ndns_ports = [53, 0]\n"),
              "t.toml:2:18: [dataplane] dns_ports: must be from 1 to 65535, got 0");
    EXPECT_EQ(error_of("[detectors]\nnxd_ratio = 1.5\n"),
              "t.toml:2:13: [detectors] nxd_ratio: must be from 0 to 1, got 1.500000");
    EXPECT_EQ(error_of("[site]\ninternal_zones = [\"corp example\"]\n"),
              "t.toml:2:19: [site] internal_zones: bad zone \"corp example\" "
              "(letters, digits, '-', '_' in dot-separated labels of 1 to 63)");
    EXPECT_EQ(error_of("[site]\ndns_servers = [\"10.0.0.300\"]\n"),
              "t.toml:2:16: [site] dns_servers: bad IP address \"10.0.0.300\"");
    EXPECT_EQ(error_of("[[port]]\nvdev = \"net_ring0\"\npci = \"0000:01:00.0\"\n"),
              "t.toml:1:1: [[port]]: give exactly one of vdev or pci");
    EXPECT_EQ(error_of("[[port]]\nvdev = \"net_pcap0,rx_pcap=a.pcap\"\n[[port]]\nvdev = \"net_pcap0,rx_pcap=b.pcap\"\n"),
              "t.toml:3:1: [[port]]: \"net_pcap0\" is already an earlier port (give each vdev its own name: net_pcap0, "
              "net_pcap1, ...)");
    EXPECT_EQ(error_of("[[port]]\npci = \"0000:01:00.0\"\n[[port]]\npci = \"0000:01:00.0\"\n"),
              "t.toml:3:1: [[port]]: \"0000:01:00.0\" is already an earlier port");
    EXPECT_EQ(error_of("[[port]]\npci = \"eth0\"\n"),
              "t.toml:2:7: [[port]] pci: bad PCI address \"eth0\" (expected DOMAIN:BUS:DEVICE.FUNCTION, e.g. 0000:03:00.0)");
    EXPECT_EQ(error_of("[mgmt]\nshm = \"/\"\n"),
              "t.toml:2:7: [mgmt] shm: a POSIX shared-memory name is '/' and a name without further '/'");
    EXPECT_EQ(error_of("[mgmt]\nshm = \"/a/b\"\n"),
              "t.toml:2:7: [mgmt] shm: a POSIX shared-memory name is '/' and a name without further '/'");
    // TOML syntax errors keep TOML++'s description and position.
    const std::string syntax = error_of("[site\n");
    EXPECT_EQ(syntax.rfind("t.toml:1:", 0), 0u) << syntax;
}

TEST(ConfigErrors, MgmtNamesFitTheSystemLimits) {
    EXPECT_EQ(error_of("[mgmt]\nsocket = \"/" + std::string(120, 's') + "\"\n"),
              "t.toml:2:10: [mgmt] socket: a UNIX socket path is at most 107 bytes");
    EXPECT_EQ(error_of("[mgmt]\nshm = \"/" + std::string(300, 'm') + "\"\n"),
              "t.toml:2:7: [mgmt] shm: a shared-memory name is at most 200 bytes");
}

TEST(ConfigErrors, UnreadableFile) {
    try {
        load("/nonexistent/recontap.toml");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/recontap.toml: cannot read: No such file or directory");
    }
    try {
        load("/");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "/: cannot read: Is a directory");
    }
}

TEST(ConfigIntel, ListsReadBesideTheConfigWithLineErrors) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("recontap_intel_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "apt.txt") << "# actor infrastructure\n\n198.51.100.0/24  # c2 range\n2001:db8::1\n";
    std::ofstream(dir / "site.toml") << "[site]\nthreat_intel = [\"apt.txt\"]\n";
    Config c = load((dir / "site.toml").string());
    ASSERT_EQ(c.site.intel.size(), 2u);
    EXPECT_EQ(c.site.intel[0].label, "apt.txt:3 c2 range");
    EXPECT_EQ(c.site.intel[0].net.prefix, 24);
    EXPECT_EQ(c.site.intel[1].label, "apt.txt:4");
    EXPECT_EQ(c.site.intel[1].net.prefix, 128);

    std::ofstream(dir / "apt.txt", std::ios::trunc) << "198.51.100.0/24\nnot-an-address\n";
    try {
        load((dir / "site.toml").string());
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), (dir / "apt.txt").string() + ":2: not an address or CIDR: \"not-an-address\"");
    }
    fs::remove(dir / "apt.txt");
    EXPECT_THROW(load((dir / "site.toml").string()), ConfigError);
    fs::remove_all(dir);
}

TEST(ConfigPaths, RulePathsResolve) {
    namespace fs = std::filesystem;
    Config c;
    EXPECT_EQ(resolve_rules_path(c, "/abs/x.rules"), "/abs/x.rules");
    EXPECT_EQ(resolve_rules_path(c, c.rules.pdns), (fs::path(data_dir()) / c.rules.pdns).string());
    EXPECT_TRUE(fs::exists(resolve_rules_path(c, c.rules.pdns)));
    EXPECT_TRUE(fs::exists(resolve_rules_path(c, c.rules.sensitive)));

    const fs::path dir = fs::temp_directory_path() / ("recontap_config_test_" + std::to_string(::getpid()));
    fs::create_directories(dir / "rules");
    std::ofstream(dir / "rules" / "mine.rules") << "example.com\n";
    c.source = (dir / "site.toml").string();
    EXPECT_EQ(resolve_rules_path(c, "rules/mine.rules"), (dir / "rules" / "mine.rules").string());
    {
        // A configuration named relative to the working folder still gives an absolute path.
        const fs::path cwd = fs::current_path();
        fs::current_path(dir);
        Config relative;
        relative.source = "site.toml";
        EXPECT_EQ(resolve_rules_path(relative, "./rules/mine.rules"), (dir / "rules" / "mine.rules").string());
        fs::current_path(cwd);
    }
    // Not beside the file but shipped: the built-in data folder's copy.
    EXPECT_EQ(resolve_rules_path(c, c.rules.pdns), (fs::path(data_dir()) / c.rules.pdns).string());
    // Neither: the path beside the file, so the error names what was meant.
    EXPECT_EQ(resolve_rules_path(c, "rules/missing.rules"), (dir / "rules" / "missing.rules").string());
    fs::remove_all(dir);
}

// The documented default file must load to exactly the built-in defaults and
// name every key the reader knows.
TEST(ConfigDocumented, DefaultFileEqualsDefaults) {
    const Config documented = load(RECONTAP_DEFAULT_TOML);
    Config defaults;
    defaults.source = RECONTAP_DEFAULT_TOML;
    expect_same(documented, defaults);

    const toml::table root = toml::parse_file(RECONTAP_DEFAULT_TOML);
    std::ifstream in(RECONTAP_DEFAULT_TOML);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::string& key : known_keys()) {
        const auto dot = key.find('.');
        const std::string table = key.substr(0, dot), name = key.substr(dot + 1);
        if (table == "port") // [[port]] is documented commented out: no port by default
            EXPECT_NE(text.find("# " + name + " = "), std::string::npos) << key;
        else
            EXPECT_TRUE(root[table][name]) << key << " missing from " << RECONTAP_DEFAULT_TOML;
    }
}

TEST(ConfigDocumented, PortProfilesParse) {
    namespace fs = std::filesystem;
    int profiles = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(RECONTAP_DRIVERS_CONFIG_DIR) / "ports")) {
        const Config c = load(entry.path().string());
        ASSERT_EQ(c.ports.size(), 1u) << entry.path();
        ++profiles;
    }
    EXPECT_EQ(profiles, 9); // pcap af_packet memif ring virtio mlx5 ice i40e ixgbe
}
