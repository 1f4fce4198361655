// Final counters of a run, as LOGDIR/stats.json: packets, DNS messages,
// malformed by reason, every drop, per worker and in total.
#pragma once
#include "dataplane/steer.hpp"
#include "shm/region.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace recontap::dataplane {

struct RunTotals {
    uint64_t port_rx_packets = 0;
    uint64_t port_missed = 0;   // imissed + rx_nombuf + ierrors
    uint64_t steer_drops = 0;
    uint64_t undelivered = 0;   // detections the daemon did not acknowledge
    std::string capture;
    SteeringCounters steering;
    dns::IpReassemblyCounters reassembly;
};

nlohmann::json stats_document(const shm::Region& region, const RunTotals& totals);
// The run's end in one line for the operator: packets, DNS messages,
// detections and drops of a stats_document, and where its whole is.
std::string run_summary(const nlohmann::json& stats, const std::string& stats_path);
// Writes path atomically (temp file + rename). Throws std::runtime_error.
void write_json_file(const std::string& path, const nlohmann::json& doc);

} // namespace recontap::dataplane
