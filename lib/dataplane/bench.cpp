// perf/bench's data-plane measurement: bare receive loop and full pipeline
// on the same infinite net_pcap source, in one EAL.
#include "dataplane/bench.hpp"

#include "config/config.hpp"
#include "dataplane/capture_file.hpp"
#include "dataplane/intake.hpp"
#include "dataplane/port.hpp"
#include "dataplane/steer.hpp"
#include "dataplane/worker.hpp"
#include "rules/rules.hpp"
#include "shm/region.hpp"

#include <nlohmann/json.hpp>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

namespace recontap::dataplane {

namespace {

// Receive and free for `seconds`: the ceiling any pipeline on this source can
// reach. One loop on one queue; per_worker, every worker lcore's on its own
// queue at once.
struct BareLoop {
    uint16_t port, queue;
    unsigned burst; // [dataplane] burst, as the pipeline's receive
    double seconds;
    uint64_t received = 0;
    double elapsed = 0;
};
int bare_loop(void* arg) {
    auto* b = static_cast<BareLoop*>(arg);
    rte_mbuf* burst[config::kMaxBurst];
    const uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), end = start + uint64_t(b->seconds * double(hz));
    uint64_t now = start;
    while (now < end) {
        uint16_t n = rte_eth_rx_burst(b->port, b->queue, burst, uint16_t(b->burst));
        if (n) rte_pktmbuf_free_bulk(burst, n);
        b->received += n;
        now = rte_rdtsc();
    }
    b->elapsed = double(now - start) / double(hz);
    return 0;
}
double bare_rx_mpps(const Port& port, unsigned queues, unsigned burst, double seconds) {
    std::vector<BareLoop> loops(queues);
    for (unsigned q = 0; q < queues; ++q) loops[q] = {port.id, uint16_t(q), burst, seconds};
    if (queues == 1) {
        bare_loop(&loops[0]); // on the main lcore, where the pipeline's one reader runs
    } else {
        unsigned q = 0, lcore;
        RTE_LCORE_FOREACH_WORKER(lcore) {
            if (q == queues) break;
            rte_eal_remote_launch(bare_loop, &loops[q++], lcore);
        }
        rte_eal_mp_wait_lcore();
    }
    double mpps = 0;
    for (const BareLoop& b : loops) mpps += double(b.received) / b.elapsed / 1e6;
    return mpps;
}

// As the pipeline sizes them: room for a burst from every reader, twice over.
unsigned bench_inbox_slots(const config::Config& cfg, bool workers_read) {
    const unsigned readers = workers_read ? cfg.dataplane.workers : 1;
    return std::max(4096u, rte_align32pow2(2 * cfg.dataplane.burst * readers));
}

double per_packet_ns(uint64_t cycles, uint64_t packets) {
    return packets ? double(cycles) / double(packets) * 1e9 / double(rte_get_tsc_hz()) : 0.0;
}

nlohmann::json pipeline(const Port& port, const config::Config& cfg, std::shared_ptr<const rules::RuleSet> rules,
                        const CaptureInfo& capture, PacketClock& clock, double seconds, bool workers_read) {
    const unsigned n_workers = cfg.dataplane.workers;
    // Detections fill the event rings (no daemon reads them here) and are
    // then dropped and counted: the cost of a full ring, not of delivery.
    const std::string shm_name = "/recontap-bench-" + std::to_string(getpid());
    shm::Region region = shm::Region::create(shm_name, n_workers);
    shm::Region::unlink(shm_name); // the mapping stays; nothing is left behind
    std::vector<rte_ring*> inboxes;
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<StageTimer> timers(n_workers);
    for (unsigned w = 0; w < n_workers; ++w) {
        rte_ring* r = rte_ring_create(("bench_inbox" + std::to_string(w)).c_str(), bench_inbox_slots(cfg, workers_read), SOCKET_ID_ANY,
                                      Intake::inbox_flags(workers_read));
        if (!r) throw std::runtime_error("cannot create worker ring");
        inboxes.push_back(r);
        workers.push_back(std::make_unique<Worker>(w, cfg, rules, region.view(), r, capture.link, clock));
        workers.back()->timer = &timers[w];
    }
    // One reader: the main lcore steers losslessly, as offline. per_worker:
    // the workers read and steer (lossy, as live); the main lcore waits.
    std::vector<Port> ports{port};
    Intake intake(workers_read, ports, inboxes, capture.link, cfg.dataplane.dns_ports, true, clock,
                  cfg.dataplane.ipv6_client_prefix, cfg.dataplane.burst);
    intake.attach(workers);
    std::atomic<bool> finish{false};
    std::vector<WorkerLaunch> launches;
    launch_workers(workers, finish, launches);
    rte_mbuf* burst[config::kMaxBurst];
    const uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), end = start + uint64_t(seconds * double(hz));
    uint64_t received = 0, steer_cycles = 0, steer_sampled = 0, bursts = 0, now = start;
    Steering& steering = intake.main_lcore_steering(); // one reader: timed apart from receiving
    while (workers_read && now < end) {
        usleep(1000);
        now = rte_rdtsc();
    }
    while (!workers_read && now < end) {
        uint16_t n = rte_eth_rx_burst(port.id, 0, burst, uint16_t(cfg.dataplane.burst));
        if (n) {
            received += n;
            if (++bursts % StageTimer::kSampleEvery == 0) {
                uint64_t t = rte_rdtsc();
                steering.dispatch(burst, n);
                steer_cycles += rte_rdtsc() - t;
                steer_sampled += n;
            } else {
                steering.dispatch(burst, n);
            }
        }
        now = rte_rdtsc();
    }
    // Lossless steering waits for the workers, so what was received is what
    // they processed, less at most one ring each still queued.
    const double elapsed = double(now - start) / double(hz);
    finish.store(true, std::memory_order_release);
    rte_eal_mp_wait_lcore();

    StageTimer sum;
    uint64_t detections = 0, ring_drops = 0, evicted = 0, handled = 0;
    nlohmann::json per_worker = nlohmann::json::array();
    for (unsigned i = 0; i < n_workers; ++i) {
        const StageTimer& t = timers[i];
        sum.sampled_packets += t.sampled_packets;
        sum.handle_cycles += t.handle_cycles;
        sum.engine_cycles += t.engine_cycles;
        sum.free_cycles += t.free_cycles;
        detections += workers[i]->counters.detections;
        ring_drops += workers[i]->counters.event_ring_drops;
        evicted += workers[i]->counters.clients_evicted;
        handled += workers[i]->counters.rx_packets;
        per_worker.push_back({{"packets", workers[i]->counters.rx_packets},
                              {"mpps", double(workers[i]->counters.rx_packets) / elapsed / 1e6}});
    }
    for (rte_ring* r : inboxes) rte_ring_free(r);
    // per_worker: what the workers handled (steering there drops when an
    // inbox is full, counted below), including their last inboxes' worth.
    if (workers_read) received = handled;
    return {{"pipeline_mpps", double(received) / elapsed / 1e6},
            {"rx_queues", workers_read ? "per_worker" : "one"},
            {"seconds", elapsed},
            {"packets", received},
            {"workers", per_worker},
            {"ns_per_packet",
             {{"steer", per_packet_ns(steer_cycles, steer_sampled)},
              {"decode", per_packet_ns(sum.handle_cycles - sum.engine_cycles, sum.sampled_packets)},
              {"engine", per_packet_ns(sum.engine_cycles, sum.sampled_packets)},
              {"free", per_packet_ns(sum.free_cycles, sum.sampled_packets)}}},
            {"sampled_packets", sum.sampled_packets},
            {"detections", detections},
            {"event_ring_drops", ring_drops},
            {"clients_evicted", evicted},
            {"steer_drops", intake.totals().drops}};
}

} // namespace

int bench_dataplane(const BenchOptions& opts) {
    config::Config cfg;
    std::shared_ptr<const rules::RuleSet> rules;
    CaptureInfo capture;
    try {
        cfg = config::load(opts.config_path);
        if (opts.workers) cfg.dataplane.workers = opts.workers;
        if (opts.capture.empty() || opts.capture.find(',') != std::string::npos)
            throw std::runtime_error("--bench needs -r FILE (a path without ',')");
        capture = scan_capture(opts.capture);
        rules = rules::RuleSet::load(config::resolve_rules_path(cfg, cfg.rules.pdns),
                                     config::resolve_rules_path(cfg, cfg.rules.sensitive));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        return 2;
    }
    // net_pcap's infinite_rx copies the whole capture into mbufs of the
    // port's pool at start: the pool holds it plus the rings in flight.
    const unsigned queues = opts.per_worker_queues ? cfg.dataplane.workers : 1;
    const unsigned mbufs =
        unsigned(capture.packets) * queues + bench_inbox_slots(cfg, opts.per_worker_queues) * (cfg.dataplane.workers + 2);
    EalOptions eal;
    eal.lcores = cfg.dataplane.workers + 1;
    eal.file_prefix = "recontap-bench-" + std::to_string(getpid());
    // An mbuf with its note and pool header is ~2.5 KiB; the queues' descriptors hold 1024 more each.
    eal.memory_mb = 512 + unsigned(uint64_t(mbufs + 1024 * queues) * 3072 / (1u << 20));
    std::string vdev = "net_pcap0";
    for (unsigned q = 0; q < queues; ++q) vdev += ",rx_pcap=" + opts.capture; // each queue replays it all
    eal.vdevs.push_back(vdev + ",infinite_rx=1");
    int status = 0;
    try {
        eal_start(eal, opts.self_exe.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        return 2;
    }
    try {
        if (rte_lcore_count() < cfg.dataplane.workers + 1) throw std::runtime_error("not enough lcores");
        PacketClock clock;
        Port port = port_start(0, mbufs, clock, uint16_t(queues));
        double bare = bare_rx_mpps(port, queues, cfg.dataplane.burst, opts.seconds);
        nlohmann::json result = pipeline(port, cfg, rules, capture, clock, opts.seconds, opts.per_worker_queues);
        rte_eth_dev_stop(port.id);
        double full = result["pipeline_mpps"].get<double>();
        result["bare_rx_mpps"] = bare;
        result["ratio"] = bare > 0 ? full / bare : 0.0;
        result["capture_packets"] = capture.packets;
        result["tsc_hz"] = rte_get_tsc_hz();
        std::printf("%s\n", result.dump().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        status = 1;
    }
    eal_stop();
    return status;
}

} // namespace recontap::dataplane
