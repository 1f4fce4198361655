// recontapd's loop: follow the data plane's shared-memory region, drain its
// event rings, escalate, write EVE alerts, fsync, acknowledge, serve the
// control socket, heartbeat. Everything lives in one Daemon object.
//
// Delivery: records are read from a ring without moving its tail; the tail
// advances only after their alerts are fsynced. The acknowledgement the data
// plane waits for (daemon_delivered) is the sum of the tails, so a daemon
// that crashes and restarts resumes exactly where the last fsync left off:
// no record is lost; at worst alerts of one unacknowledged batch repeat.
#pragma once
#include "config/config.hpp"
#include "mgmt/alert_log.hpp"
#include "mgmt/dataplane_control.hpp"
#include "mgmt/dataplane_link.hpp"
#include "mgmt/escalation.hpp"
#include "mgmt/eve.hpp"
#include "mgmt/server.hpp"
#include "mgmt/site_spike.hpp"
#include "mgmt/watchlist.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace recontap::mgmt {

inline constexpr uint32_t kDrainBatch = 1024; // records per ring per round, then one fsync
inline constexpr int kIdleWaitMs = 25;        // how long the loop sleeps when the rings are empty

struct DaemonOptions {
    std::string shm_name = "/recontap";
    std::string socket_path = "/run/recontap/recontapd.sock";
    std::string eve_path = "/var/log/recontap/eve.json";
    std::string watchlist_path; // "" = kept in memory only
    bool once = false; // exit after one data plane's input is delivered
    config::Detectors detectors;
    std::size_t escalation_clients = 65536;
    std::size_t recent_alerts = 1000;
    std::size_t top_clients = 65536;
    unsigned ipv6_client_prefix = 64; // [dataplane] ipv6_client_prefix: one IPv6 client is this prefix
};

struct DeliveryCounters {
    uint64_t records_taken = 0;  // read from rings and fsynced (alerted or suppressed)
    uint64_t alerts_written = 0;
    uint64_t commits = 0;
    uint64_t commit_failures = 0;
    uint64_t boots_attached = 0; // data-plane boots followed
    uint64_t ring_overruns = 0;  // head ran more than a ring ahead of tail (contract broken)
    uint64_t unknown_records = 0; // record kind this daemon does not know (newer data plane): skipped
};

class Daemon {
public:
    Daemon(DaemonOptions options, std::ostream& log);

    // Opens the EVE file and the control socket.
    bool start(std::string& why);

    // Loops until SIGTERM/SIGINT arrive on signal_fd (a signalfd; -1 for
    // none), then finishes the batch in hand, or, with once, until a data
    // plane reached input_done and all is delivered. SIGHUP reopens the EVE
    // file (after logrotate moved it). Returns the exit status: 0, or 1 when
    // --once lost its data plane early.
    int run(int signal_fd);

    // One turn of the loop; true when signal_fd became readable.
    bool step(int signal_fd);

    nlohmann::json handle(const nlohmann::json& request);

private:
    void follow_dataplane(uint64_t now_ns);
    void heartbeat(uint64_t now_ns);
    bool drain();            // true when records remain for another round
    bool commit_batch();
    void acknowledge();
    void take(const shm::DetectionRecord& r);
    void alert(const shm::DetectionRecord& r);
    void judge_pending_site_windows();
    bool input_delivered() const;
    bool lost_dataplane() const;
    void report_link(uint64_t now_ns);
    void leave();
    bool stop_requested(int signal_fd); // reads pending signals; handles SIGHUP itself

    // rules-test, rules-reload, thresholds, thresholds-set (daemon_control.cpp).
    nlohmann::json handle_control(const std::string& cmd, const nlohmann::json& request);
    nlohmann::json ask_dataplane(const std::string& verb, const nlohmann::json& body, int timeout_ms);
    nlohmann::json thresholds_set(const nlohmann::json& request);
    nlohmann::json settings_json() const;

    nlohmann::json status_json(uint64_t now_ns) const;
    nlohmann::json stats_json() const;
    nlohmann::json watchlist_reply(const nlohmann::json& request);
    nlohmann::json blocklist_reply(const nlohmann::json& request) const;

    DaemonOptions options_;
    std::ostream& log_;
    DataplaneLink link_;
    DataplaneControl control_;
    Escalator escalator_;
    SiteSpike site_spike_;
    std::vector<shm::DetectionRecord> site_spikes_; // scratch: what one summary completed
    EveWriter eve_;
    ControlServer server_;
    AlertLog alert_log_;
    Watchlist watchlist_;
    DeliveryCounters delivery_;

    bool batch_open_ = false;                       // taken but not yet fsynced
    std::array<uint64_t, shm::kMaxWorkers> batch_tail_{}; // ring tails once the batch is durable
    struct TakenAlert {
        nlohmann::json eve;
        uint64_t ts_ns; // packet time
    };
    std::vector<TakenAlert> batch_alerts_;
    uint64_t batch_records_ = 0;
    std::string last_link_report_;
    std::string last_commit_error_;
    uint64_t started_ns_ = 0;
};

} // namespace recontap::mgmt
