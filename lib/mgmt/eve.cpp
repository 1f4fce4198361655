#include "mgmt/eve.hpp"

#include "config/config.hpp"
#include "dns/message.hpp"
#include "mgmt/catalogue.hpp"
#include "mgmt/watchlist.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace recontap::mgmt {

using nlohmann::json;

std::string eve_timestamp(uint64_t unix_ns) {
    time_t secs = time_t(unix_ns / 1'000'000'000ull);
    unsigned micros = unsigned(unix_ns % 1'000'000'000ull / 1000);
    tm t{};
    gmtime_r(&secs, &t);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, micros);
    return buf;
}

uint64_t flow_id(const shm::DetectionRecord& r) {
    // FNV-1a over the flow's 5-tuple, as Suricata's flow_id names one flow
    // (each query from a new source port is a new UDP flow). Stable across
    // runs and daemons; not Suricata's own value, which it derives from its
    // flow table.
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const void* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 1099511628211ull;
    };
    mix(&r.client_family, 1);
    mix(r.client, 16);
    mix(&r.client_port, 2);
    mix(&r.server_family, 1);
    mix(r.server, 16);
    mix(&r.server_port, 2);
    mix(&r.transport, 1);
    return h & ((1ull << 51) - 1);
}

std::string address_text(const uint8_t (&bytes)[16], uint8_t family) {
    dns::IpAddr a;
    std::memcpy(a.bytes, bytes, 16);
    a.family = family;
    return config::format_ip(a);
}

std::string qtype_text(uint16_t qtype) {
    switch (qtype) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 50: return "NSEC3";
    case 51: return "NSEC3PARAM";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    default: return "TYPE" + std::to_string(qtype);
    }
}

std::string rcode_text(uint16_t rcode) {
    const std::string_view name = dns::rcode_name(rcode);
    return name.empty() ? "RCODE" + std::to_string(rcode) : std::string(name);
}

namespace {

// Fixed-size text fields from shared memory may lack their NUL.
std::string bounded_text(const char* p, std::size_t cap) { return std::string(p, strnlen(p, cap)); }

std::string escaped_sample(const shm::DetectionRecord& r) {
    std::size_t len = std::min<std::size_t>(r.sample_len, sizeof r.sample_name);
    char out[sizeof r.sample_name * 4];
    std::size_t n = dns::escape_name(std::string_view(r.sample_name, len), out, sizeof out);
    return std::string(out, n);
}

json flag_names(uint16_t flags) {
    json names = json::array();
    if (flags & shm::kFlagInternalZone) names.push_back("internal_zone");
    if (flags & shm::kFlagInternalServer) names.push_back("internal_server");
    if (flags & shm::kFlagExternalClient) names.push_back("external_client");
    if (flags & shm::kFlagMisconfig) names.push_back("misconfig");
    if (flags & shm::kFlagSiteWide) names.push_back("site_wide");
    return names;
}

json context_of(const shm::DetectionRecord& r, const Decision& d) {
    json evidence = json::object();
    for (int i = 0; i < std::min<int>(r.evidence_n, shm::kEvidenceSlots); ++i) {
        std::string key = bounded_text(r.evidence[i].key, sizeof r.evidence[i].key);
        if (!key.empty()) evidence[key] = r.evidence[i].value;
    }
    std::span<const char* const> steps = next_steps(r.detector, bounded_text(r.detail, sizeof r.detail));
    json ctx = {
        {"evidence", evidence},
        {"window", {{"start", eve_timestamp(r.window_start_ns)}, {"length_s", r.window_s}}},
        {"detail", bounded_text(r.detail, sizeof r.detail)},
        {"qtype", qtype_text(r.qtype)},
        {"qclass", r.qclass},
        {"trigger", r.rcode == shm::kRcodeQuery ? "query" : "response"},
        {"flags", flag_names(r.flags)},
        {"worker", r.worker},
        {"seq", r.seq},
        {"tier_reason", d.tier_reason},
        {"suppressed_since_last", d.suppressed_since_last},
        {"next_steps", json(std::vector<std::string>(steps.begin(), steps.end()))},
    };
    // A query's detection says nothing of the reply (an AXFR alert would
    // otherwise read NOERROR whatever the server answered).
    if (r.rcode != shm::kRcodeQuery) ctx["rcode"] = rcode_text(r.rcode);
    // A site-wide SPIKE is about a window of all clients' traffic, not one
    // message: no question, type, class or reply to report.
    if (r.flags & shm::kFlagSiteWide)
        for (const char* about_a_message : {"qtype", "qclass", "trigger", "rcode"}) ctx.erase(about_a_message);
    if (r.sample_len > 0) ctx["sample_name"] = escaped_sample(r);
    if (r.rule_id != 0) ctx["rule_id"] = r.rule_id;
    if (d.correlated) {
        const DetectorInfo* other = detector_info(d.correlated_detector);
        ctx["correlated_with"] = {{"detector", other ? other->id : "UNKNOWN"},
                                  {"timestamp", eve_timestamp(d.correlated_ts_ns)}};
    }
    if (d.watch) ctx["watchlist"] = {{"entry", cidr_text(d.watch->net)}, {"note", d.watch->label}};
    return ctx;
}

std::string proto_text(uint8_t transport) {
    return transport == 17 ? "UDP" : transport == 6 ? "TCP" : std::to_string(transport);
}

} // namespace

json make_alert(const shm::DetectionRecord& r, const Decision& d) {
    const DetectorInfo& info = *detector_info(r.detector); // the escalator emits known detectors only
    json alert = {
        {"action", "allowed"},
        {"gid", 1},
        {"signature_id", signature_id(r.detector)},
        {"rev", 1},
        {"signature", info.signature},
        {"category", info.category},
        {"severity", d.tier == 2 ? 1 : info.tier1_severity},
        {"metadata",
         {{"detector", {info.id}},
          {"tier", {std::to_string(d.tier)}},
          {"mitre_technique_id", {info.mitre_id}},
          {"mitre_technique_name", {info.mitre_name}}}},
        {"context", context_of(r, d)},
    };
    if (d.watch) alert["metadata"]["watchlist"] = {cidr_text(d.watch->net)};
    json eve = {
        {"timestamp", eve_timestamp(r.ts_ns)},
        {"flow_id", flow_id(r)},
        {"event_type", "alert"},
        {"src_ip", address_text(r.client, r.client_family)},
        {"src_port", r.client_port},
        {"dest_ip", address_text(r.server, r.server_family)},
        {"dest_port", r.server_port},
        {"proto", proto_text(r.transport)},
        {"app_proto", "dns"},
        {"dns", {{"version", 3}}},
        {"alert", alert},
    };
    if (r.sample_len > 0)
        eve["dns"]["queries"] = json::array({{{"rrname", escaped_sample(r)}, {"rrtype", qtype_text(r.qtype)}}});
    return eve;
}

std::string to_line(const json& j) {
    std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
    s += '\n';
    return s;
}

EveWriter::~EveWriter() {
    if (fd_ >= 0) close(fd_);
}

bool EveWriter::open(const std::string& path, std::string& why) {
    std::error_code ec;
    auto folder = std::filesystem::path(path).parent_path();
    if (!folder.empty()) std::filesystem::create_directories(folder, ec);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        why = "cannot open " + path + ": " + std::strerror(errno);
        return false;
    }
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
    path_ = path;
    return true;
}

bool EveWriter::commit(std::string& why) {
    if (pending_.empty()) return true;
    if (fd_ < 0) {
        why = "EVE file not open";
        ++write_errors_;
        return false;
    }
    struct stat st{};
    off_t before = fstat(fd_, &st) == 0 ? st.st_size : -1;
    std::size_t done = 0;
    while (done < pending_.size()) {
        ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += std::size_t(n);
    }
    if (done < pending_.size() || fsync(fd_) != 0) {
        why = path_ + ": " + std::strerror(errno);
        if (before >= 0 && ftruncate(fd_, before) != 0) why += " (and could not cut back a partial write)";
        ++write_errors_;
        return false;
    }
    for (char c : pending_) lines_committed_ += c == '\n';
    bytes_committed_ += pending_.size();
    pending_.clear();
    return true;
}

} // namespace recontap::mgmt
