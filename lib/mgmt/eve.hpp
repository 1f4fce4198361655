// Alerts in Suricata's EVE JSON format (one line per alert), valid against
// ../shared/ecosystem/suricata-eve-schema.json: recontap's own evidence sits
// in alert.context, tier and MITRE technique in alert.metadata.
#pragma once
#include "mgmt/escalation.hpp"
#include "shm/layout.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace recontap::mgmt {

// Packet time as Suricata writes it: "2026-12-03T13:10:38.123456+0000".
std::string eve_timestamp(uint64_t unix_ns);

// Stable across runs and workers for one (client, server, server port,
// transport); 51 bits like Suricata so JSON consumers keep it exact.
uint64_t flow_id(const shm::DetectionRecord& r);

std::string address_text(const uint8_t (&bytes)[16], uint8_t family);
std::string qtype_text(uint16_t qtype);  // "A", "AXFR", "TYPE65280"
std::string rcode_text(uint16_t rcode);  // "NXDOMAIN", "RCODE23"

// The alert object for a record the escalator decided to emit.
nlohmann::json make_alert(const shm::DetectionRecord& r, const Decision& d);

// One line, newline-terminated. Invalid UTF-8 that slipped into a text field
// becomes U+FFFD instead of an exception: the line is always valid JSON.
std::string to_line(const nlohmann::json& j);

// Appends lines to an EVE file. Nothing counts as written until commit()
// returned true: lines are buffered, written with O_APPEND, then fsynced.
class EveWriter {
public:
    EveWriter() = default;
    EveWriter(const EveWriter&) = delete;
    EveWriter& operator=(const EveWriter&) = delete;
    ~EveWriter();

    // Creates the folder if needed. Calling it again reopens the path (after
    // logrotate moved the file); pending lines stay pending. False with why.
    bool open(const std::string& path, std::string& why);
    const std::string& path() const { return path_; }

    void append(std::string_view line) { pending_ += line; }
    bool has_pending() const { return !pending_.empty(); }

    // Writes and fsyncs everything appended. On failure the file is cut back
    // to where it was (no half line), the lines stay pending, and why says why.
    bool commit(std::string& why);

    uint64_t lines_committed() const { return lines_committed_; }
    uint64_t bytes_committed() const { return bytes_committed_; }
    uint64_t write_errors() const { return write_errors_; }

private:
    int fd_ = -1;
    std::string path_;
    std::string pending_;
    uint64_t lines_committed_ = 0, bytes_committed_ = 0, write_errors_ = 0;
};

} // namespace recontap::mgmt
