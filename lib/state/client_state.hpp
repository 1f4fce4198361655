// Per-client state kept by one worker. Every detector's evidence for the
// current packet-time window lives here, so one lookup per DNS message serves
// all detectors. Five cache lines; the table stores these inline.
#pragma once
#include "state/distinct_counter.hpp"
#include "state/rate_baseline.hpp"

#include <cstdint>
#include <cstring>

namespace recontap::state {

// Key: IPv4 address, or IPv6 address masked to the aggregation prefix.
struct ClientKey {
    uint8_t bytes[16];
    uint8_t family; // 0 = empty slot
    // Two 8-byte compares: the defaulted operator compares the array byte by
    // byte (~25 instructions a lookup, perf/README.md).
    bool operator==(const ClientKey& o) const {
        uint64_t a[2], b[2];
        std::memcpy(a, bytes, sizeof a);
        std::memcpy(b, o.bytes, sizeof b);
        return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0 && family == o.family;
    }
};

// Distinct names under one base domain (ENUM). Two slots per client: the
// enumerated target keeps its slot while ordinary lookups churn the other
// (detect/enum.cpp says how a slot is chosen, and what that cannot stop).
struct DomainSlot {
    uint32_t base_hash;     // low half of the base domain's hash (odd, so never 0), 0 = empty
    uint16_t names_set;     // bits set in names, counted as they are added (no popcount per name)
    DistinctCounter names;  // distinct full names seen under it this window
};

// What outlives a window: kept when the window rolls over.
struct ClientHistory {
    uint64_t first_seen_ns;
    RateBaseline queries;    // SPIKE baseline: queries per window
    uint8_t intel_checked;   // client looked up in the threat-intel lists
    uint8_t intel_listed;    // ... and found there
};

struct alignas(64) ClientState {
    // line 0: key and window bookkeeping (touched by every message)
    ClientKey key;
    uint16_t fired;          // bit per shm::Detector fired this window
    uint16_t rare_fired;     // bit per detect::RareKind fired this window
    uint16_t misconf_fired;  // bit per detect::MisconfKind fired this window
    uint8_t enum_recent;     // ENUM: the domains[] slot a name last went to
    uint64_t window_start_ns;
    uint64_t last_seen_ns;
    uint32_t queries;
    uint32_t responses;
    uint32_t failures;       // NXDOMAIN + SERVFAIL + REFUSED responses
    uint32_t nxdomain;
    uint32_t pdns_hits;
    uint32_t sens_hits;

    // line 1: PTR sweep tracking (one /24 at a time) and misc
    uint8_t ptr_net[3];      // the /24 being tracked (first three octets)
    uint8_t ptr_valid;
    uint32_t ext_queries;    // queries to internal servers/zones from an outsider
    uint64_t ptr_hosts[4];   // bitmap of host octets seen under ptr_net
    ClientHistory history;
    uint32_t rare_queries;
    uint64_t srv_names[2];   // RARE SRV breadth: 128-bit linear-counting bitmap of distinct SRV names
    uint32_t sens_names[4];  // hashes of the distinct sensitive names this window

    // lines 2..: ENUM
    DomainSlot domains[2];
};

} // namespace recontap::state

static_assert(sizeof(recontap::state::ClientState) == 5 * 64, "ClientState grew: check the table's memory budget");
