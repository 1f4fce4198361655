// Built-in defaults that are lists, and where relative rule paths resolve.
// drivers-config/recontap.toml documents the same values with their sources;
// config_test proves the two agree.
#include "config/config.hpp"

#include <filesystem>

#ifndef RECONTAP_DATA_DIR
#error "the build defines RECONTAP_DATA_DIR (the folder holding rules/)"
#endif

namespace recontap::config {

std::vector<Cidr> default_internal_networks() {
    // RFC 1918 private space, IPv4 loopback, RFC 4193 unique-local, IPv6 loopback.
    static constexpr const char* kText[] = {"10.0.0.0/8",  "172.16.0.0/12", "192.168.0.0/16",
                                            "127.0.0.0/8", "fc00::/7",      "::1/128"};
    std::vector<Cidr> out;
    for (const char* text : kText) {
        Cidr c;
        parse_cidr(text, c); // constant and valid: config_test checks every entry
        out.push_back(c);
    }
    return out;
}

std::vector<std::string> default_allow_domains() {
    // RECON_REFERENCE.md §4 (Sigma's allowlist) and §5 (benign look-alikes):
    // CDN and cloud names with disposable labels, OS update and telemetry
    // names, antivirus reputation lookups, mail servers' DNSBL lookups.
    // in-addr.arpa / ip6.arpa stay out on purpose: PTR sweeps are recon.
    return {
        "akamaiedge.net", "akamai.net", "akamaihd.net", "akadns.net", "edgekey.net", "edgesuite.net",
        "cloudfront.net", "amazonaws.com", "azureedge.net", "trafficmanager.net", "fastly.net",
        "core.windows.net", // Azure storage: one registered name per account (PSL private section)
        "googleusercontent.com", "gvt1.com",
        "apple.com", "icloud.com", "windowsupdate.com", "update.microsoft.com",
        "delivery.mp.microsoft.com",
        "sophosxl.net", "avqs.mcafee.com",
        "zen.spamhaus.org", "dbl.spamhaus.org", "dq.spamhaus.net", "bl.spamcop.net", "b.barracudacentral.org",
        "dnsbl.sorbs.net", "bl.mailspike.net", "multi.uribl.com", "multi.surbl.org",
    };
}

std::string data_dir() { return RECONTAP_DATA_DIR; }

std::string resolve_rules_path(const Config& config, const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path p(path);
    if (p.is_absolute()) return path;
    const fs::path built_in = fs::path(data_dir()) / p;
    if (config.source.empty()) return built_in.string();
    // Absolute, whatever the working folder: `rules test` and error messages
    // show a path that means the same from any shell (and to recontapd).
    std::error_code ec;
    const fs::path beside_config = (fs::absolute(config.source, ec).parent_path() / p).lexically_normal();
    if (fs::exists(beside_config, ec) || !fs::exists(built_in, ec)) return beside_config.string();
    return built_in.string();
}

} // namespace recontap::config
