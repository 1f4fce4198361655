// Who reads the ports and steers each frame to its client's worker
// ([dataplane] rx_queues): the main lcore alone ("one": every queue of every
// port, one Steering), or every worker its share of the queues ("per_worker":
// queue q to worker q mod workers, one Steering a worker, inboxes with
// several producers), so that receiving scales with the workers instead of
// stopping at one core.
#pragma once
#include "dataplane/port.hpp"
#include "dataplane/steer.hpp"
#include "dataplane/worker.hpp"

#include <rte_ring.h>

#include <atomic>
#include <memory>
#include <vector>

namespace recontap::dataplane {

class Intake {
public:
    // per_worker: workers read; otherwise the main lcore (poll()). lossless:
    // offline input waits for room in an inbox (only with the main lcore
    // reading: workers waiting on each other's inboxes could wait forever).
    Intake(bool per_worker, const std::vector<Port>& ports, const std::vector<rte_ring*>& inboxes,
           dns::LinkType link, dns::DnsPorts dns_ports, bool lossless, const PacketClock& clock,
           unsigned ipv6_prefix, unsigned burst, uint64_t hash_seed = 0);

    // Ring flags for the inboxes this intake fills.
    static unsigned inbox_flags(bool per_worker) { return per_worker ? RING_F_SC_DEQ : RING_F_SP_ENQ | RING_F_SC_DEQ; }

    // per_worker: hands each worker the queues it reads (before launch).
    void attach(const std::vector<std::unique_ptr<Worker>>& workers);
    bool main_lcore_reads() const { return receive_.empty(); }
    // Main lcore, when it reads: one burst ([dataplane] burst) from each queue of each port, steered; frames read.
    unsigned poll();
    // The main lcore's Steering (when it reads), for perf/bench's loop, which
    // times dispatch apart from receiving.
    Steering& main_lcore_steering() { return *steering_.front(); }

    // While running, from the main lcore: frames read and dropped for full inboxes
    // (per_worker: as the workers last published them).
    uint64_t frames() const;
    uint64_t drops() const;
    // After the workers have stopped: every Steering's counters, summed.
    SteeringCounters totals() const;
    dns::IpReassemblyCounters reassembly() const;

private:
    const std::vector<Port>& ports_;
    unsigned burst_;
    std::vector<std::unique_ptr<Steering>> steering_; // one (main lcore) or one a worker
    std::vector<WorkerReceive> receive_;              // per_worker: what each worker reads
    std::atomic<unsigned> stopped_{0};                // per_worker: workers that have stopped reading
};

} // namespace recontap::dataplane
