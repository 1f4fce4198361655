// Client-affine software steering (DESIGN.md "Client-affine steering"): every
// packet is handed to the worker that owns its client (source of a query,
// destination of a response) through that worker's rte_ring. Used for vdevs
// and NICs without per-direction RSS flow rules. rx_queues = "one": one
// Steering on the main lcore, for every queue it reads. "per_worker": each
// worker has its own for the queues it reads, and the inboxes take several
// producers.
#pragma once
#include "dataplane/frame_note.hpp"
#include "dns/ip_reassembly.hpp"
#include "dns/packet.hpp"
#include "dataplane/worker.hpp"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <vector>

namespace recontap::dataplane {

// Steering sets mbuf->packet_type on every frame it hands a worker (a PMD's
// own value is overwritten): kNotedFrame, the frame's FrameNote is in the
// mbuf's private area; kReassembledFrame, a frame built from reassembled
// fragments (raw IP, no link header); 0, decode it from the link header.
inline constexpr uint32_t kReassembledFrame = 0xffffffffu;
inline constexpr uint32_t kNotedFrame = 0xfffffffeu;

// Private area every port's mbuf pool reserves for the steering note.
inline constexpr uint16_t kFrameNotePrivSize = uint16_t((sizeof(FrameNote) + 7) / 8 * 8); // RTE_MBUF_PRIV_ALIGN
inline FrameNote& frame_note(rte_mbuf* m) { return *static_cast<FrameNote*>(rte_mbuf_to_priv(m)); }
inline const FrameNote& frame_note(const rte_mbuf* m) { return frame_note(const_cast<rte_mbuf*>(m)); }

struct SteeringCounters {
    uint64_t frames = 0;             // frames read from the port
    uint64_t drops = 0;              // live input: a worker ring was full
    uint64_t fragments = 0;          // fragments taken into reassembly
    uint64_t datagrams = 0;          // reassembled datagrams handed on
    uint64_t datagram_drops = 0;     // no mbuf for a reassembled datagram, or not UDP
    SteeringCounters& operator+=(const SteeringCounters& o);
};

// A Steering's frames and drops for the main lcore to read while a worker
// steers (per_worker): the worker stores them after every burst it reads
// (single writer, relaxed: each value is whole, the pair need not be).
struct SharedSteeringCounters {
    std::atomic<uint64_t> frames{0}, drops{0};
};

class Steering {
public:
    // lossless: offline input waits for room in a worker's ring instead of
    // dropping (a capture must be read whole); live input drops and counts.
    Steering(std::vector<rte_ring*> inboxes, dns::LinkType link, dns::DnsPorts ports, bool lossless,
             rte_mempool* pool, const PacketClock& clock, unsigned ipv6_prefix = 64, uint64_t hash_seed = 0);

    void dispatch(rte_mbuf** pkts, unsigned n);
    const SteeringCounters& counters() const { return counters_; }
    // The steering thread: copy frames and drops to shared(); any thread may read that.
    void share_counters() {
        shared_.frames.store(counters_.frames, std::memory_order_relaxed);
        shared_.drops.store(counters_.drops, std::memory_order_relaxed);
    }
    const SharedSteeringCounters& shared() const { return shared_; }
    dns::IpReassemblyCounters reassembly_counters() const { return fragments_.counters(); }

private:
    unsigned worker_for(const FrameNote& note);
    void stage(rte_mbuf* m, unsigned worker);
    rte_mbuf* datagram_frame(const dns::PacketView& whole, const rte_mbuf* last_fragment);
    std::vector<rte_ring*> inboxes_;
    dns::LinkType link_;
    dns::DnsPorts ports_;
    bool lossless_;
    unsigned ipv6_prefix_;
    uint64_t hash_seed_; // the worker tables' key (config::Dataplane::client_hash_seed)
    rte_mempool* pool_;
    const PacketClock& clock_;
    uint64_t local_time_packets_ = 0;
    uint64_t round_robin_ = 0;
    SteeringCounters counters_;
    SharedSteeringCounters shared_;
    dns::IpReassembly fragments_;
    std::vector<std::vector<rte_mbuf*>> staged_; // per worker, reserved once
    std::vector<uint8_t> linear_;                // a chained (jumbo) frame read whole, sized once
};

} // namespace recontap::dataplane
