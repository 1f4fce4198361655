// The shared-memory contract between the data plane (recontap) and the
// management daemon (recontapd). Header-only: both programs include it and
// nothing else decides the layout. Any change to a struct here bumps
// kLayoutVersion; a peer with another version is refused.
//
// Region = RegionHeader | WorkerCounters[n_workers] | EventRing[n_workers]
//          | ControlRing (daemon -> data plane) | ControlRing (replies)
// Every block is cache-line aligned; each ring's producer and consumer
// indices sit on their own lines so the two processes never false-share.
#pragma once
#include "dns/malformed.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace recontap::shm {

inline constexpr uint64_t kMagic = 0x50415443'4e4f4345ull; // "ECONCTAP"-ish tag, checked first
// 2: record kinds (window summaries); 3: kRcodeQuery, tcp_no_payload
inline constexpr uint32_t kLayoutVersion = 3;
inline constexpr uint32_t kMaxWorkers = 64;
inline constexpr uint32_t kEventRingSlots = 4096;   // power of two
inline constexpr uint32_t kControlRingSlots = 64;   // power of two
inline constexpr std::size_t kCacheLine = 64;

enum class Detector : uint8_t { BULK, ENUM, NXD, SPIKE, PDNS, SENS, RARE, EXT, MISCONF, INTEL, count };
inline constexpr std::size_t kDetectorCount = static_cast<std::size_t>(Detector::count);
constexpr const char* detector_name(Detector d) {
    constexpr const char* names[] = {"BULK", "ENUM", "NXD", "SPIKE", "PDNS", "SENS", "RARE", "EXT", "MISCONF", "INTEL"};
    auto i = static_cast<std::size_t>(d);
    return i < kDetectorCount ? names[i] : "UNKNOWN";
}

// Flags on a detection that escalation reads.
enum DetectionFlag : uint16_t {
    kFlagInternalZone = 1u << 0,   // query name under a configured internal zone
    kFlagInternalServer = 1u << 1, // server is a configured internal DNS server
    kFlagExternalClient = 1u << 2, // client outside internal_networks
    kFlagMisconfig = 1u << 3,      // the server answered what it should not have
    kFlagSiteWide = 1u << 4,       // about the whole site's traffic, not one client (site-wide SPIKE)
    kFlagFinalWindow = 1u << 5,    // window summary: the worker's last; it closes no more windows
};

// What a record on an event ring carries.
enum class RecordKind : uint8_t {
    detection = 0,
    // One worker's query count for one closed packet-time window, for the
    // site-wide SPIKE that recontapd computes over all workers. Fields:
    // window_start_ns/window_s = the window; ts_ns = start of the next window
    // this worker will count in (every window before it is closed on this
    // worker); evidence "queries" and "top_client_queries"; client/server =
    // the worker's busiest client in the window and the server it last asked.
    window_summary = 1,
};

struct Evidence {
    char key[24];   // NUL-terminated, e.g. "queries", "nxdomain", "distinct_names"
    uint64_t value;
};
inline constexpr int kEvidenceSlots = 8;

// DetectionRecord::rcode of a detection a query fired: its reply is not
// known then, and a query's own rcode bits (0, NOERROR) would read as one.
// Past any real rcode (12 bits with EDNS).
inline constexpr uint16_t kRcodeQuery = 0xFFFF;

// One detection, produced by one worker. 640 bytes, cache-line multiple.
struct alignas(kCacheLine) DetectionRecord {
    uint64_t seq;              // per-worker, from 1
    uint64_t ts_ns;            // packet time of the packet that fired it
    uint64_t window_start_ns;  // packet-time window the evidence counts cover
    uint32_t window_s;
    uint8_t detector;          // Detector
    uint8_t worker;
    uint16_t flags;            // DetectionFlag
    uint8_t client[16], server[16];
    uint8_t client_family, server_family; // 4 or 6
    uint16_t client_port, server_port;
    uint8_t transport;         // 17 UDP, 6 TCP
    uint8_t evidence_n;
    uint16_t qtype, qclass;
    uint16_t rcode;            // the response's rcode; kRcodeQuery when a query fired it (no reply known)
    uint16_t sample_len;
    uint32_t rule_id;          // rule line for PDNS/SENS, 0 otherwise
    uint8_t kind;              // RecordKind
    char detail[48];           // short tag: "AXFR", rule category, provider name ...
    char sample_name[256];     // raw name bytes (escape when printing), sample_len long
    Evidence evidence[kEvidenceSlots];

    void add_evidence(const char* key, uint64_t value) {
        if (evidence_n >= kEvidenceSlots) return;
        Evidence& e = evidence[evidence_n++];
        std::strncpy(e.key, key, sizeof e.key - 1);
        e.key[sizeof e.key - 1] = 0;
        e.value = value;
    }
    // The value recorded under key, or `missing`.
    uint64_t evidence_value(const char* key, uint64_t missing = 0) const {
        for (int i = 0; i < evidence_n && i < kEvidenceSlots; ++i)
            if (std::strncmp(evidence[i].key, key, sizeof evidence[i].key) == 0) return evidence[i].value;
        return missing;
    }
};
static_assert(sizeof(DetectionRecord) % kCacheLine == 0);

// Single producer / single consumer ring of fixed-size records living in
// shared memory. The producer never blocks: a full ring drops the record and
// counts it in `dropped`, which the CLI shows.
template <class T, uint32_t N>
struct SpscRing {
    static_assert((N & (N - 1)) == 0, "ring size must be a power of two");
    alignas(kCacheLine) std::atomic<uint64_t> head; // next slot the producer writes
    alignas(kCacheLine) std::atomic<uint64_t> tail; // next slot the consumer reads
    alignas(kCacheLine) std::atomic<uint64_t> dropped;
    alignas(kCacheLine) T slots[N];

    bool try_push(const T& v) {
        uint64_t h = head.load(std::memory_order_relaxed);
        if (h - tail.load(std::memory_order_acquire) >= N) {
            dropped.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        slots[h & (N - 1)] = v;
        head.store(h + 1, std::memory_order_release);
        return true;
    }
    bool try_pop(T& out) {
        uint64_t t = tail.load(std::memory_order_relaxed);
        if (t == head.load(std::memory_order_acquire)) return false;
        out = slots[t & (N - 1)];
        tail.store(t + 1, std::memory_order_release);
        return true;
    }
    void reset() {
        head.store(0, std::memory_order_relaxed);
        tail.store(0, std::memory_order_relaxed);
        dropped.store(0, std::memory_order_relaxed);
    }
};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "atomics must be lock-free to live in shared memory");

using EventRing = SpscRing<DetectionRecord, kEventRingSlots>;

// Per-worker counters. One writer (the worker) publishes a snapshot with a
// seqlock: seq odd while writing. Readers retry until they see the same even
// seq before and after copying.
struct WorkerCountersData {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t dns_queries;
    uint64_t dns_responses;
    uint64_t not_dns;               // valid frames on other ports/protocols
    uint64_t malformed_total;
    uint64_t malformed[32];         // by dns::Malformed
    uint64_t forward_pointers;
    uint64_t rule_hits_pdns;
    uint64_t rule_hits_sens;
    uint64_t clients_active;
    uint64_t clients_evicted;
    uint64_t detections;
    uint64_t event_ring_drops;      // detections lost to a full ring
    uint64_t last_packet_ns;        // packet time of the last packet seen
    uint64_t tcp_messages;          // DNS messages reassembled from TCP
    uint64_t tcp_seq_gaps;          // TCP sequence gaps: partial message dropped
    uint64_t tcp_flows_evicted;     // TCP flow table full: a flow's partial message dropped
    uint64_t tcp_messages_truncated;// longer than the flow buffer: head kept
    uint64_t packets_local_time;    // no capture/NIC timestamp: packet time from the TSC
    uint64_t dns_rejected;          // messages on DNS ports that failed to decode (also in malformed)
    uint64_t window_summaries;      // window-summary records pushed (site-wide SPIKE input)
    uint64_t tcp_no_payload;        // TCP segments on DNS ports without payload (handshake, ACK, FIN)
    uint64_t tcp_partial;           // TCP messages begun, not yet whole (at the end of input: lost)
};
static_assert(dns::kMalformedCount <= 32);

struct alignas(kCacheLine) WorkerCounters {
    std::atomic<uint64_t> seq;
    WorkerCountersData data;

    void publish(const WorkerCountersData& d) {
        uint64_t s = seq.load(std::memory_order_relaxed);
        seq.store(s + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        std::memcpy(&data, &d, sizeof d);
        std::atomic_thread_fence(std::memory_order_release);
        seq.store(s + 2, std::memory_order_release);
    }
    bool read(WorkerCountersData& out) const {
        for (int tries = 0; tries < 1000; ++tries) {
            uint64_t s1 = seq.load(std::memory_order_acquire);
            if (s1 & 1) continue;
            std::memcpy(&out, &data, sizeof out);
            std::atomic_thread_fence(std::memory_order_acquire);
            if (seq.load(std::memory_order_relaxed) == s1) return true;
        }
        return false;
    }
};

// Management -> data plane commands and their replies (text, JSON-encoded).
struct alignas(kCacheLine) ControlMessage {
    uint64_t id;        // request id, echoed in the reply
    char verb[32];      // "ping", "reload-rules", "set-threshold", ...
    char body[472];     // JSON arguments or reply
};
static_assert(sizeof(ControlMessage) == 512);
using ControlRing = SpscRing<ControlMessage, kControlRingSlots>;

enum class DataplaneState : uint32_t {
    starting = 0,
    running = 1,
    input_done = 2, // end of capture: every detection has been pushed, heads are final
    stopped = 3,
};

struct alignas(kCacheLine) RegionHeader {
    uint64_t magic;
    uint32_t layout_version;
    uint32_t header_size;      // sizeof(RegionHeader)
    uint64_t region_size;
    uint64_t boot_id;          // random per data-plane start; a change means re-attach
    uint32_t n_workers;
    uint32_t event_ring_slots;
    char instance[64];         // shm name, for messages

    alignas(kCacheLine) std::atomic<int32_t> dataplane_pid;
    std::atomic<uint32_t> dataplane_state;      // DataplaneState
    std::atomic<uint64_t> dataplane_heartbeat_ns; // CLOCK_MONOTONIC
    std::atomic<uint64_t> steer_drops;          // packets lost between rx and a worker
    std::atomic<uint64_t> rx_packets;           // as received from the ports
    std::atomic<uint64_t> rx_missed;            // port imissed + rx_nombuf

    alignas(kCacheLine) std::atomic<int32_t> daemon_pid;
    std::atomic<uint64_t> daemon_heartbeat_ns;
    // Records the daemon has taken from the event rings and written+fsynced
    // (alerts) or deliberately suppressed, for this boot_id.
    std::atomic<uint64_t> daemon_boot_id;
    std::atomic<uint64_t> daemon_delivered;
};

constexpr std::size_t align_up(std::size_t v) { return (v + kCacheLine - 1) & ~(kCacheLine - 1); }

// Offsets of each block for n workers.
struct Layout {
    std::size_t counters, events, control, replies, total;
    static constexpr Layout for_workers(uint32_t n) {
        Layout l{};
        l.counters = align_up(sizeof(RegionHeader));
        l.events = align_up(l.counters + n * sizeof(WorkerCounters));
        l.control = align_up(l.events + n * sizeof(EventRing));
        l.replies = align_up(l.control + sizeof(ControlRing));
        l.total = align_up(l.replies + sizeof(ControlRing));
        return l;
    }
};

// Typed view over a mapped region. Does not own the mapping.
struct RegionView {
    void* base = nullptr;

    RegionHeader& header() const { return *static_cast<RegionHeader*>(base); }
    Layout layout() const { return Layout::for_workers(header().n_workers); }
    WorkerCounters& counters(uint32_t w) const {
        return reinterpret_cast<WorkerCounters*>(static_cast<char*>(base) + layout().counters)[w];
    }
    EventRing& events(uint32_t w) const {
        return reinterpret_cast<EventRing*>(static_cast<char*>(base) + layout().events)[w];
    }
    ControlRing& control() const {
        return *reinterpret_cast<ControlRing*>(static_cast<char*>(base) + layout().control);
    }
    ControlRing& replies() const {
        return *reinterpret_cast<ControlRing*>(static_cast<char*>(base) + layout().replies);
    }
};

} // namespace recontap::shm
