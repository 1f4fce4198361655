// A worker lcore: dequeue packets steered to it, decode, classify, count,
// detect (DESIGN.md "Data plane"). One cache-aligned struct per worker as in
// DPDK's l3fwd: everything the loop touches lives here, nothing is shared
// with another worker, counters reach the daemon through a seqlock slot.
#pragma once
#include "config/config.hpp"
#include "detect/engine.hpp"
#include "dns/message.hpp"
#include "dns/packet.hpp"
#include "dns/extractor.hpp"
#include "shm/layout.hpp"
#include "dataplane/live_settings.hpp"
#include "dataplane/stage_timer.hpp"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <memory>
#include <vector>

namespace recontap::dataplane {

// Detections go straight into this worker's shared-memory ring; a full ring
// drops the record (counted by the ring and in the worker's counters).
class RingSink final : public detect::DetectionSink {
public:
    RingSink(shm::EventRing& ring, shm::WorkerCountersData& counters) : ring_(ring), counters_(counters) {}
    void emit(const shm::DetectionRecord& rec) override {
        if (!ring_.try_push(rec)) ++counters_.event_ring_drops;
    }

private:
    shm::EventRing& ring_;
    shm::WorkerCountersData& counters_;
};

struct PacketClock {
    int dynfield_offset = -1; // Rx timestamp dynfield (net_pcap fills it from the capture)
    uint64_t dynflag = 0;
    uint64_t dynfield_unit_ns = 1000; // net_pcap in DPDK 22.11 stores microseconds
    uint64_t tsc_hz = 0;              // fallback for ports without timestamps
    uint64_t tsc_base = 0, wall_base_ns = 0;

    uint64_t packet_ns(const rte_mbuf* m, uint64_t& local_time_count) const;
    uint64_t local_now_ns() const; // the TSC, anchored to wall time at start
    bool packets_carry_time() const { return dynfield_offset >= 0; }
};

class Steering;

// rx_queues = "per_worker": what a worker reads itself. It reads its share
// of every port's queues (queue q goes to worker q mod workers) and steers
// the frames through its own Steering to the inboxes (its own among them);
// it stops reading when told to finish and leaves once every receiving
// worker has stopped and its inbox is empty, so no frame another worker
// steered to it late is left behind.
struct RxQueue {
    uint16_t port, queue;
};
struct WorkerReceive {
    std::vector<RxQueue> queues;
    Steering* steering = nullptr;
    std::atomic<unsigned>* stopped = nullptr; // shared: workers that have stopped reading
    unsigned receivers = 0;                   // workers that read
};

struct alignas(RTE_CACHE_LINE_SIZE) Worker {
    Worker(unsigned index, const config::Config& cfg, std::shared_ptr<const rules::RuleSet> rules,
           shm::RegionView region, rte_ring* inbox, dns::LinkType link, const PacketClock& clock);
    // Starts with live's published rules and thresholds and follows its later publications.
    Worker(unsigned index, const config::Config& cfg, LiveSettings& live, shm::RegionView region, rte_ring* inbox,
           dns::LinkType link, const PacketClock& clock);

    // The lcore entry point: runs until `finish` is set and the inbox is
    // empty (per_worker: and every receiving worker has stopped reading).
    int run(const std::atomic<bool>& finish);

    // --- hot: read for every packet ---
    rte_ring* inbox;
    dns::LinkType link;
    dns::DnsPorts ports;
    PacketClock clock;
    shm::WorkerCountersData counters{}; // this worker's own copy, published to shm
    shm::WorkerCounters& published;
    unsigned index;
    unsigned burst_size; // [dataplane] burst: frames a receive or dequeue takes at once
    StageTimer* timer = nullptr; // perf/bench only: TSC samples per stage (null in every real run)
    LiveSettings* live = nullptr; // rules and thresholds changed at run time (null: fixed, as in bench)
    uint64_t live_sequence = 0;   // sequence of the LiveBundle this worker runs with
    uint64_t live_rules_generation = 0, live_thresholds_generation = 0;
    WorkerReceive* receive = nullptr; // per_worker: the queues this worker reads (null: it only dequeues)

    // --- per-packet scratch, reused (no allocation on the path) ---
    dns::DnsMessage msg{};
    RingSink sink;
    detect::Engine engine;
    dns::MessageExtractor extractor; // link..transport, fragments, TCP: shared with recontap-dump
    alignas(RTE_CACHE_LINE_SIZE) uint8_t linear[65536]; // multi-segment mbufs are copied here

private:
    void handle_burst(rte_mbuf** burst, unsigned n);
    void timed_burst(rte_mbuf** burst, unsigned n); // handle_burst and free, TSC samples into *timer
    void handle(rte_mbuf* m);
    void handle_dns(uint64_t ts_ns, const dns::PacketView& pkt, std::span<const uint8_t> message,
                    const detect::SteeredClient* steered);
    void count_malformed(dns::Malformed why);
    void publish();
    void follow_live_settings();
    unsigned read_queues(const std::atomic<bool>& finish, bool& reading);
    bool inputs_done(const std::atomic<bool>& finish, bool reading) const;
};

// What a worker lcore is handed; the caller keeps `launches` alive until
// rte_eal_mp_wait_lcore. Starts workers[i] on the i-th worker lcore.
struct WorkerLaunch {
    Worker* worker;
    const std::atomic<bool>* finish;
};
void launch_workers(const std::vector<std::unique_ptr<Worker>>& workers, const std::atomic<bool>& finish,
                    std::vector<WorkerLaunch>& launches);

} // namespace recontap::dataplane
