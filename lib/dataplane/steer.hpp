// Client-affine software steering (DESIGN.md "Client-affine steering"): the
// port's single queue is read on the main lcore and every packet is handed to
// the worker that owns its client (source of a query, destination of a
// response) through that worker's rte_ring. Used for vdevs and NICs without
// per-direction RSS flow rules.
#pragma once
#include "dns/packet.hpp"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <vector>

namespace recontap::dataplane {

class Steering {
public:
    // lossless: offline input waits for room in a worker's ring instead of
    // dropping (a capture must be read whole); live input drops and counts.
    Steering(std::vector<rte_ring*> inboxes, dns::LinkType link, dns::DnsPorts ports, bool lossless,
             unsigned ipv6_prefix = 64);

    unsigned worker_for(const rte_mbuf* m);
    void dispatch(rte_mbuf** pkts, unsigned n);
    uint64_t drops() const { return drops_; }

private:
    static constexpr unsigned kBurst = 64;
    std::vector<rte_ring*> inboxes_;
    dns::LinkType link_;
    dns::DnsPorts ports_;
    bool lossless_;
    unsigned ipv6_prefix_;
    uint64_t round_robin_ = 0;
    uint64_t drops_ = 0;
    std::vector<std::vector<rte_mbuf*>> staged_; // per worker, reserved once
};

} // namespace recontap::dataplane
