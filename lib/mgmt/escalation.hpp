// Tier 1 / Tier 2 escalation, correlation and repeat suppression (DESIGN.md
// "Detections"). Works on packet time only, so the same record sequence
// always gives the same decisions. State is per client, bounded by an LRU.
#pragma once
#include "config/config.hpp"
#include "shm/layout.hpp"

#include <array>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace recontap::mgmt {

// Client identity: family + 16 address bytes, an IPv6 address masked to
// the client prefix (client_prefix.hpp).
struct ClientKey {
    std::array<uint8_t, 17> bytes{};
    static ClientKey of(const shm::DetectionRecord& r, unsigned ipv6_prefix = 128);
    bool operator==(const ClientKey&) const = default;
};
struct ClientKeyHash {
    std::size_t operator()(const ClientKey& k) const;
};

struct Decision {
    bool emit = false;              // false: suppressed repeat (counted)
    int tier = 1;                   // 1 or 2
    const char* tier_reason = "";   // why this tier, for alert.context
    uint64_t suppressed_since_last = 0; // repeats held back since the previous alert of this pair
    // Set when the tier comes from a PDNS + other detection coincidence.
    bool correlated = false;
    uint8_t correlated_detector = 0;
    uint64_t correlated_ts_ns = 0;
    // The watchlist entry the client matched: Tier 2, never suppressed.
    const config::IntelEntry* watch = nullptr;
};

struct EscalationCounters {
    uint64_t decided = 0;
    uint64_t emitted = 0;
    uint64_t suppressed = 0;
    uint64_t tier1 = 0, tier2 = 0;
    uint64_t correlations = 0;
    uint64_t escalations_through_suppression = 0; // Tier 2 after Tier 1 for one pair, let through
    uint64_t clients_evicted = 0;                 // LRU evictions (state forgotten)
    uint64_t invalid_detector = 0;                // detector index this daemon does not know
    uint64_t watched = 0;                         // detections of watchlisted clients (all emitted)
};

class Escalator {
public:
    // capacity: clients remembered; the least recently seen is evicted.
    // ipv6_prefix: an IPv6 client is its address masked to this prefix.
    Escalator(const config::Detectors& thresholds, std::size_t capacity, unsigned ipv6_prefix = 128);

    // watch: the watchlist entry the record's client falls in, or nullptr.
    Decision decide(const shm::DetectionRecord& r, const config::IntelEntry* watch = nullptr);
    // `recontapctl thresholds set` on correlation_window_s or suppress_s:
    // applies from the next record on; state already kept is not rewritten.
    void set_windows(const config::Detectors& thresholds);

    const EscalationCounters& counters() const { return counters_; }
    std::size_t clients() const { return clients_.size(); }

private:
    struct PairState {
        bool alerted = false;        // an alert has been emitted for this (client, detector)
        uint8_t last_tier = 0;
        uint64_t last_alert_ns = 0;  // packet time of that alert
        uint64_t held_back = 0;      // repeats suppressed since
    };
    struct ClientState {
        std::array<PairState, shm::kDetectorCount> pairs{};
        std::array<uint64_t, shm::kDetectorCount> last_seen_ns{}; // 0 = never (emitted or not)
        std::list<ClientKey>::iterator lru;
    };

    ClientState& touch(const ClientKey& key);
    bool find_correlation(const ClientState& c, const shm::DetectionRecord& r, Decision& d) const;

    uint64_t correlation_ns_;
    uint64_t suppress_ns_;
    std::size_t capacity_;
    unsigned ipv6_prefix_;
    std::list<ClientKey> lru_; // front = most recent
    std::unordered_map<ClientKey, ClientState, ClientKeyHash> clients_;
    EscalationCounters counters_;
};

} // namespace recontap::mgmt
