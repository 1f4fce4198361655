// EAL start-up and port setup for the data plane.
#pragma once
#include "dataplane/worker.hpp"

#include <rte_mempool.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace recontap::dataplane {

struct EalOptions {
    unsigned lcores = 2;           // main + workers
    std::string file_prefix;       // unique per process
    std::vector<std::string> vdevs;
    std::vector<std::string> pci;
    bool no_huge = true;
    unsigned memory_mb = 512;
};

// rte_eal_init with arguments built from opts. Throws std::runtime_error.
void eal_start(const EalOptions& opts, const char* argv0);
void eal_stop();

struct Port {
    uint16_t id = 0;
    uint16_t rx_queues = 1; // set up and read: the readers', or all a vdev made at probe
    rte_mempool* pool = nullptr;
    bool hw_timestamps = false;
    // net_af_packet only: the PMD's packet sockets, whose kernel ring drops
    // DPDK 22.11 never reads (see ports_missed), and the drops read so far.
    std::vector<int> kernel_ring_sockets;
    uint64_t kernel_ring_drops = 0;
};

// The configuration asks a port for what it does not have (exit status 2).
struct PortMismatch : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Configures port `id` for `readers` lcores reading it (1, or one a worker
// for rx_queues = "per_worker": RSS on the IP addresses where the driver
// offers it, so a datagram's fragments share a queue) and starts it: one
// queue a reader, or, for vdevs whose queues are made at probe (af_packet
// qpairs=, one rx_pcap a queue), all of them, which the readers share out.
// The pool holds `mbufs` besides the queues' descriptors. Enables the Rx
// timestamp offload where offered, so packet time comes from the capture.
// Throws PortMismatch when the port has fewer queues than readers, else
// std::runtime_error.
Port port_start(uint16_t id, unsigned mbufs, PacketClock& clock, uint16_t readers = 1);

// What the ports lost before recontap read it (imissed + rx_nombuf + ierrors,
// and frames a net_af_packet kernel ring had no room for, over all ports).
// A control-path call (syscalls for af_packet): read with each heartbeat, so
// a live run shows port drops while it runs, not only in stats.json at exit.
uint64_t ports_missed(std::vector<Port>& ports);

} // namespace recontap::dataplane
