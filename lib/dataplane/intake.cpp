#include "dataplane/intake.hpp"

#include <rte_ethdev.h>

namespace recontap::dataplane {

Intake::Intake(bool per_worker, const std::vector<Port>& ports, const std::vector<rte_ring*>& inboxes,
               dns::LinkType link, dns::DnsPorts dns_ports, bool lossless, const PacketClock& clock,
               unsigned ipv6_prefix, unsigned burst, uint64_t hash_seed)
    : ports_(ports), burst_(burst) {
    // Reassembled datagrams take their mbufs from the first port's pool.
    const unsigned readers = per_worker ? unsigned(inboxes.size()) : 1;
    for (unsigned r = 0; r < readers; ++r)
        steering_.push_back(std::make_unique<Steering>(inboxes, link, dns_ports, lossless && !per_worker,
                                                       ports.front().pool, clock, ipv6_prefix, hash_seed));
    if (!per_worker) return;
    receive_.resize(readers);
    for (const Port& p : ports)
        for (uint16_t q = 0; q < p.rx_queues; ++q) receive_[q % readers].queues.push_back({p.id, q});
    for (unsigned r = 0; r < readers; ++r) {
        receive_[r].steering = steering_[r].get();
        receive_[r].stopped = &stopped_;
        receive_[r].receivers = readers;
    }
}

void Intake::attach(const std::vector<std::unique_ptr<Worker>>& workers) {
    for (std::size_t w = 0; w < receive_.size() && w < workers.size(); ++w) workers[w]->receive = &receive_[w];
}

unsigned Intake::poll() {
    rte_mbuf* burst[config::kMaxBurst];
    unsigned got = 0;
    for (const Port& p : ports_)
        for (uint16_t q = 0; q < p.rx_queues; ++q) {
            uint16_t n = rte_eth_rx_burst(p.id, q, burst, uint16_t(burst_));
            if (n) steering_.front()->dispatch(burst, n);
            got += n;
        }
    return got;
}

uint64_t Intake::frames() const {
    if (main_lcore_reads()) return steering_.front()->counters().frames;
    uint64_t sum = 0;
    for (const auto& s : steering_) sum += s->shared().frames.load(std::memory_order_relaxed);
    return sum;
}

uint64_t Intake::drops() const {
    if (main_lcore_reads()) return steering_.front()->counters().drops;
    uint64_t sum = 0;
    for (const auto& s : steering_) sum += s->shared().drops.load(std::memory_order_relaxed);
    return sum;
}

SteeringCounters Intake::totals() const {
    SteeringCounters sum;
    for (const auto& s : steering_) sum += s->counters();
    return sum;
}

dns::IpReassemblyCounters Intake::reassembly() const {
    dns::IpReassemblyCounters sum;
    for (const auto& s : steering_) sum += s->reassembly_counters();
    return sum;
}

} // namespace recontap::dataplane
