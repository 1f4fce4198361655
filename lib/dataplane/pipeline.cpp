#include "dataplane/pipeline.hpp"

#include "config/config.hpp"
#include "dataplane/capture_file.hpp"
#include "dataplane/control.hpp"
#include "dataplane/daemon_link.hpp"
#include "dataplane/intake.hpp"
#include "dataplane/leftovers.hpp"
#include "dataplane/live_settings.hpp"
#include "dataplane/memory_budget.hpp"
#include "dataplane/port.hpp"
#include "dataplane/stats_json.hpp"
#include "dataplane/steer.hpp"
#include "dataplane/worker.hpp"
#include "rules/rules.hpp"
#include "state/client_state.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

namespace recontap::dataplane {

namespace {

// Per worker ring between steering and the worker. Offline steering waits
// for room (lossless); live it drops when a worker falls behind, so a live
// inbox holds more: ~16 ms of a worker descheduled at 250k frames/s.
constexpr unsigned kInboxSlotsOffline = 1024, kInboxSlotsLive = 4096;
// How long the end of a run waits for recontapd to take the last detections
// (a daemon restarting meanwhile re-attaches and takes them).
constexpr unsigned kDeliveryWaitS = 60;

// SIGINT/SIGTERM/SIGHUP received so far: the first stops the input; one
// more, wherever it lands in the stopping, stops the wait for recontapd (the
// operator has chosen to leave). The only process-wide state, owned by the
// program.
std::atomic<unsigned> g_stop_signals{0};
static_assert(std::atomic<unsigned>::is_always_lock_free, "g_stop_signals is written from a signal handler");

void on_signal(int) { g_stop_signals.fetch_add(1, std::memory_order_relaxed); }

// Launched workers are told to finish and joined whatever happens next: an
// exception that left them polling kept EAL's clean-up waiting for them
// forever (recontapd that could not be started hung the run).
struct RunningWorkers {
    std::atomic<bool>& finish;
    bool joined = false;
    void stop() {
        if (joined) return;
        finish.store(true, std::memory_order_release);
        rte_eal_mp_wait_lcore();
        joined = true;
    }
    ~RunningWorkers() { stop(); }
};

struct Setup {
    config::Config cfg;
    std::shared_ptr<const rules::RuleSet> rules;
    CaptureInfo capture;
    std::string logdir, shm_name, socket_path;
    bool spawn = false;
};

// Everything that can be wrong with the user's input is found here, before
// DPDK starts: exit status 2 with one line.
bool prepare(const RunOptions& opts, Setup& s) {
    try {
        s.cfg = config::load(opts.config_path);
        if (opts.workers) {
            if (opts.workers > shm::kMaxWorkers) throw std::runtime_error("--workers must be 1.." + std::to_string(shm::kMaxWorkers));
            s.cfg.dataplane.workers = opts.workers;
        }
        if (!opts.capture.empty()) {
            s.capture = scan_capture(opts.capture);
            // Nothing readable at all (a pcapng mixing link types, which
            // libpcap refuses at its first packet): bad input, as for
            // recontap-dump, not an empty run that exits 0.
            if (!s.capture.damaged.empty() && s.capture.packets == 0)
                throw std::runtime_error(opts.capture + ": no packet can be read: " + s.capture.damaged);
            if (!s.capture.damaged.empty())
                std::fprintf(stderr, "recontap: warning: %s is damaged after packet %llu (%s): the rest is not read\n",
                             opts.capture.c_str(), static_cast<unsigned long long>(s.capture.packets),
                             s.capture.damaged.c_str());
        } else if (s.cfg.ports.empty()) {
            throw std::runtime_error("nothing to read: give -r FILE or a [[port]] in the configuration");
        }
        s.rules = rules::RuleSet::load(config::resolve_rules_path(s.cfg, s.cfg.rules.pdns),
                                       config::resolve_rules_path(s.cfg, s.cfg.rules.sensitive));
        s.logdir = opts.logdir.empty() ? s.cfg.mgmt.logdir : opts.logdir;
        std::error_code ec;
        std::filesystem::create_directories(s.logdir, ec);
        if (ec || access(s.logdir.c_str(), W_OK) != 0)
            throw std::runtime_error(s.logdir + ": cannot create or write log directory");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        return false;
    }
    if (daemon_listening(s.cfg.mgmt.socket)) {
        s.shm_name = s.cfg.mgmt.shm; // the running daemon watches this name
        s.socket_path = s.cfg.mgmt.socket;
    } else {
        s.spawn = true; // a private daemon for this run
        s.shm_name = "/recontap-run-" + std::to_string(getpid());
        s.socket_path = (std::filesystem::absolute(s.logdir) / "recontapd.sock").string();
        if (s.socket_path.size() > 107) { // sun_path's limit: a deep log folder cannot hold the socket
            s.socket_path = (std::filesystem::temp_directory_path() / ("recontapd-" + std::to_string(getpid()) + ".sock")).string();
            std::fprintf(stderr, "recontap: log folder path too long for a UNIX socket; private recontapd listens on %s\n",
                         s.socket_path.c_str());
        }
    }
    return true;
}

// A [[port]] DPDK could not probe (bad devargs, no such interface) only
// leaves EAL log lines behind: the run must not go on without it.
void require_every_port(const std::vector<config::Port>& configured, std::size_t up) {
    if (up >= configured.size()) return;
    std::string missing;
    for (const config::Port& p : configured) {
        const std::string device = p.device();
        uint16_t id;
        if (rte_eth_dev_get_port_by_name(device.c_str(), &id) != 0) missing += (missing.empty() ? "" : ", ") + device;
    }
    throw PortMismatch(std::to_string(up) + " of " + std::to_string(configured.size()) + " [[port]]s came up" +
                       (missing.empty() ? "" : "; not " + missing) + " (see the EAL lines above for why)");
}

// A live run says once what it reads and where its alerts go: it runs for
// days, and an operator should not need the CLI to know it started right.
void announce_live(const Setup& s) {
    std::string devices;
    for (const config::Port& p : s.cfg.ports) devices += (devices.empty() ? "" : ", ") + p.device();
    const std::string alerts = s.spawn ? "a private recontapd, alerts in " + s.logdir + "/eve.json"
                                       : "recontapd at " + s.socket_path;
    std::fprintf(stderr, "recontap: capturing on %s with %u worker(s) (rx_queues %s); %s; SIGTERM or Ctrl-C stops\n",
                 devices.c_str(), s.cfg.dataplane.workers,
                 s.cfg.dataplane.rx_queues == config::RxQueues::per_worker ? "per_worker" : "one", alerts.c_str());
}

} // namespace

int run(const RunOptions& opts) {
    Setup s;
    if (!prepare(opts, s)) return 2;
    // Keys the client tables' hash for this run (and steering's worker
    // choice with it): slot collisions cannot be precomputed from outside.
    s.cfg.dataplane.client_hash_seed = uint64_t(std::random_device{}()) << 32 | std::random_device{}();
    for (const std::string& path : remove_dead_run_leftovers("/dev/shm", dpdk_runtime_root()))
        std::fprintf(stderr, "recontap: removed %s, left by a run that was killed\n", path.c_str());
    const unsigned n_workers = s.cfg.dataplane.workers;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal); // the terminal or ssh session went away: stop as cleanly

    // A capture is read on one queue, whatever rx_queues says: its order is the capture's.
    const bool per_worker = opts.capture.empty() && s.cfg.dataplane.rx_queues == config::RxQueues::per_worker;
    // per_worker: a reading worker wants room for a burst from every reader
    // before it reads (Worker::read_queues); twice that keeps it reading.
    const unsigned readers = per_worker ? n_workers : 1;
    const unsigned inbox_slots = std::max(opts.capture.empty() ? kInboxSlotsLive : kInboxSlotsOffline,
                                          rte_align32pow2(2 * s.cfg.dataplane.burst * readers));
    // Offline input is lossless: the steering loop waits while worker
    // inboxes are full, so the pool must outsize everything the inboxes
    // can hold, or the port starves and net_pcap drops what it has read.
    const unsigned mbufs = std::max<unsigned>(s.cfg.dataplane.mbufs, n_workers * inbox_slots + 4096);

    shm::Region region;
    try {
        EalOptions eal;
        eal.lcores = n_workers + 1;
        // Each port's pool: mbufs, and 1024 a receive queue (one a worker, or what a vdev was given);
        // ~2.5 KiB an mbuf with its note and pool header.
        const uint64_t port_mbufs = mbufs + 1024ull * std::max(n_workers, 4u);
        const std::size_t n_ports = opts.capture.empty() ? s.cfg.ports.size() : 1;
        eal.memory_mb = unsigned(std::max<uint64_t>(eal.memory_mb, 256 + n_ports * port_mbufs * 3072 / (1u << 20)));
        const MemoryNeed need{uint64_t(eal.memory_mb) << 20,
                              uint64_t(n_workers) * s.cfg.dataplane.clients_per_worker * sizeof(state::ClientState)};
        if (std::string why = memory_shortfall(need, available_memory_bytes()); !why.empty())
            throw std::runtime_error(why);
        region = shm::Region::create(s.shm_name, n_workers);
        eal.file_prefix = "recontap-" + std::to_string(getpid());
        if (!opts.capture.empty()) {
            eal.vdevs.push_back("net_pcap0,rx_pcap=" + opts.capture);
        } else {
            for (const auto& p : s.cfg.ports) {
                if (!p.vdev.empty()) eal.vdevs.push_back(p.vdev);
                if (!p.pci.empty()) eal.pci.push_back(p.pci);
            }
        }
        eal_start(eal, opts.self_exe.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        // Only a region this run made is this run's to remove: a refused
        // create leaves the name to the data plane that holds it.
        if (region) shm::Region::unlink(s.shm_name);
        return 2;
    }

    int status = 0;
    pid_t daemon = -1; // this run's own recontapd, until reaped
    bool delivered_all = false; // it has acknowledged every record: it is leaving by itself
    RunTotals totals;
    totals.capture = opts.capture;
    try {
        PacketClock clock;
        std::vector<Port> ports;
        uint16_t pid;
        RTE_ETH_FOREACH_DEV(pid) ports.push_back(port_start(pid, mbufs, clock, per_worker ? uint16_t(n_workers) : 1));
        if (opts.capture.empty()) require_every_port(s.cfg.ports, ports.size());
        if (ports.empty()) throw PortMismatch("no port came up (check the [[port]] devargs)");

        // Rules and thresholds as workers see them; outlives the workers.
        LiveSettings live(n_workers, s.rules, s.cfg.detectors);
        ControlPlane control(s.cfg, live, region.view());
        std::vector<rte_ring*> inboxes;
        std::vector<std::unique_ptr<Worker>> workers;
        for (unsigned w = 0; w < n_workers; ++w) {
            rte_ring* r = rte_ring_create(("inbox" + std::to_string(w)).c_str(), inbox_slots, SOCKET_ID_ANY,
                                          Intake::inbox_flags(per_worker));
            if (!r) throw std::runtime_error("cannot create worker ring");
            inboxes.push_back(r);
            workers.push_back(std::make_unique<Worker>(w, s.cfg, live, region.view(), r, s.capture.link, clock));
        }
        Intake intake(per_worker, ports, inboxes, s.capture.link, s.cfg.dataplane.dns_ports, !opts.capture.empty(),
                      clock, s.cfg.dataplane.ipv6_client_prefix, s.cfg.dataplane.burst, s.cfg.dataplane.client_hash_seed);
        intake.attach(workers);

        std::atomic<bool> finish{false};
        std::vector<WorkerLaunch> launches;
        launch_workers(workers, finish, launches);
        RunningWorkers running{finish};
        shm::RegionHeader& h = region.header();
        h.dataplane_state.store(uint32_t(shm::DataplaneState::running));
        if (s.spawn) daemon = spawn_daemon(opts.self_exe, opts.config_path, s.logdir, s.shm_name, s.socket_path);
        if (opts.capture.empty()) announce_live(s);

        // Receive and steer (or, per_worker, watch the workers do it) until
        // the capture ends or a signal comes.
        const uint64_t heartbeat_every = rte_get_tsc_hz() / 10;
        uint64_t next_heartbeat = 0, received = 0, last_rx_tsc = rte_rdtsc();
        bool input_ended = false; // the capture ended (not a signal)
        while (g_stop_signals.load(std::memory_order_relaxed) == 0) {
            // Frames read are published as they are read (workers publish what
            // they handled every ~4096): a reader of the counters should not
            // see more handled than received for longer than a burst or 1 ms.
            if (intake.main_lcore_reads()) {
                if (unsigned n = intake.poll()) {
                    received += n;
                    last_rx_tsc = rte_rdtsc();
                    h.rx_packets.store(received, std::memory_order_relaxed);
                }
            } else {
                usleep(1000); // nothing to read here: heartbeat and control only
                h.rx_packets.store(intake.frames(), std::memory_order_relaxed);
            }
            uint64_t now = rte_rdtsc();
            if (now >= next_heartbeat) {
                next_heartbeat = now + heartbeat_every;
                h.dataplane_heartbeat_ns.store(shm::monotonic_ns());
                h.rx_packets.store(intake.frames());
                h.steer_drops.store(intake.drops());
                h.rx_missed.store(ports_missed(ports));
                control.poll();
            }
            if (!opts.capture.empty()) {
                // A capture whose tail net_pcap cannot read (damaged record):
                // stop after two idle seconds rather than wait forever.
                if (received >= s.capture.packets || now - last_rx_tsc > 2 * rte_get_tsc_hz()) {
                    input_ended = true;
                    break;
                }
            }
        }
        // From here a signal beyond the one that stopped the input (if one
        // did: the loop ends on a signal unless the capture ended) means:
        // stop waiting for recontapd. Two signals in a row count as that.
        const unsigned signals_seen = input_ended ? 0 : 1;
        running.stop();
        totals.steering = intake.totals();
        totals.reassembly = intake.reassembly();
        received = totals.steering.frames;
        h.rx_packets.store(received);
        h.steer_drops.store(totals.steering.drops);
        h.dataplane_state.store(uint32_t(shm::DataplaneState::input_done));

        totals.port_rx_packets = received;
        totals.steer_drops = totals.steering.drops;
        totals.port_missed = ports_missed(ports);
        h.rx_missed.store(totals.port_missed);
        for (const Port& p : ports) rte_eth_dev_stop(p.id);

        const DeliveryWait delivery = wait_delivered(region, daemon, kDeliveryWaitS, g_stop_signals, signals_seen);
        totals.undelivered = delivery.undelivered;
        delivered_all = totals.undelivered == 0;
        const int32_t daemon_pid = h.daemon_pid.load() != 0 ? h.daemon_pid.load() : int32_t(daemon);
        if (totals.undelivered && daemon > 0) {
            // Our own daemon has not taken everything and will not now: stop
            // it (on SIGTERM it saves and acknowledges what it took), then count.
            stop_daemon(daemon, 0, g_stop_signals);
            daemon = -1;
            totals.undelivered = records_unacknowledged(region);
        }
        if (totals.undelivered) {
            // Say whether recontapd is there at all: "see its log" is no help when it is gone.
            const uint64_t beat = h.daemon_heartbeat_ns.load(), now = shm::monotonic_ns();
            const std::string seen = beat == 0 ? "recontapd never attached"
                                   : "recontapd last seen " + std::to_string((now - std::min(beat, now)) / 1'000'000'000ull) +
                                         " s ago" + (daemon_pid > 0 ? " (pid " + std::to_string(daemon_pid) + ")" : "");
            const std::string waited = delivery.abandoned      ? "before the wait was stopped by a signal"
                                       : delivery.daemon_exited ? "before this run's recontapd exited"
                                                                : "within " + std::to_string(kDeliveryWaitS) + " s";
            std::fprintf(stderr, "recontap: %llu detections were not acknowledged %s; %s: see its log, and "
                                 "stats.json drops.undelivered_detections\n",
                         static_cast<unsigned long long>(totals.undelivered), waited.c_str(), seen.c_str());
            status = 1;
        }
        const nlohmann::json stats = stats_document(region, totals);
        write_json_file(s.logdir + "/stats.json", stats);
        std::fprintf(stderr, "recontap: %s%s\n", run_summary(stats, s.logdir + "/stats.json").c_str(),
                     s.spawn ? ("; alerts in " + s.logdir + "/eve.json").c_str() : "");
        // Detections a worker could not hand over at all (recontapd fell
        // behind or was stopped while the ring filled) are as lost as
        // undelivered ones, though the end of the run was delivered whole.
        if (const uint64_t dropped = stats["total"]["drops"]["event_ring"]; dropped) {
            std::fprintf(stderr, "recontap: %llu detections were dropped: a worker's event ring to recontapd was full "
                                 "(recontapd too slow, or stopped, during the run); stats.json drops.event_ring\n",
                         static_cast<unsigned long long>(dropped));
            status = 1;
        }
        h.dataplane_state.store(uint32_t(shm::DataplaneState::stopped));
        if (!opts.capture.empty() && received < s.capture.packets) {
            std::fprintf(stderr, "recontap: read only %llu of %llu packets from %s (port missed %llu): results incomplete\n",
                         (unsigned long long)received, (unsigned long long)s.capture.packets, opts.capture.c_str(),
                         (unsigned long long)totals.port_missed);
            status = 1;
        }
    } catch (const PortMismatch& e) { // the configuration asks what the port cannot give: bad input
        std::fprintf(stderr, "recontap: %s\n", e.what());
        status = 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        status = 1;
    }
    // A run's own recontapd that took everything leaves by itself (--once,
    // after its last judgements); after an error it is stopped.
    if (daemon > 0) stop_daemon(daemon, delivered_all ? 5 : 0, g_stop_signals);
    shm::Region::unlink(s.shm_name);
    eal_stop();
    return status;
}

} // namespace recontap::dataplane
