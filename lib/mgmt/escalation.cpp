#include "mgmt/escalation.hpp"

#include "config/config.hpp"

#include <cstring>
#include <limits>

namespace recontap::mgmt {

namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
constexpr auto kPdns = static_cast<uint8_t>(shm::Detector::PDNS);

uint64_t distance(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

// The playbook's fixed reasons, in the order they are named when several hold.
const char* fixed_tier2_reason(const shm::DetectionRecord& r) {
    switch (static_cast<shm::Detector>(r.detector)) {
    case shm::Detector::INTEL: return "threat-intel match";
    case shm::Detector::MISCONF: return "misconfiguration being queried";
    case shm::Detector::BULK: return "bulk recon querying";
    default: break;
    }
    if (r.flags & shm::kFlagMisconfig) return "misconfiguration being queried";
    if (r.flags & shm::kFlagInternalZone) return "targeted queries on an internal zone";
    return nullptr;
}

} // namespace

// A site-wide detection is about no one client: its own key (family 0xff
// never occurs), so it neither suppresses nor correlates with the busiest
// client's own detections.
ClientKey ClientKey::of(const shm::DetectionRecord& r, unsigned ipv6_prefix) {
    ClientKey k;
    if (r.flags & shm::kFlagSiteWide) {
        k.bytes[0] = 0xff;
        return k;
    }
    dns::IpAddr client{};
    client.family = r.client_family;
    std::memcpy(client.bytes, r.client, 16);
    if (client.family == 6) client = config::network_of(client, ipv6_prefix); // one client a prefix (client_prefix.hpp)
    k.bytes[0] = client.family;
    std::memcpy(k.bytes.data() + 1, client.bytes, 16);
    return k;
}

std::size_t ClientKeyHash::operator()(const ClientKey& k) const {
    uint64_t h = 1469598103934665603ull; // FNV-1a: keys are not attacker-chosen beyond the address itself
    for (uint8_t b : k.bytes) h = (h ^ b) * 1099511628211ull;
    return static_cast<std::size_t>(h);
}

Escalator::Escalator(const config::Detectors& thresholds, std::size_t capacity, unsigned ipv6_prefix)
    : correlation_ns_(uint64_t(thresholds.correlation_window_s) * 1'000'000'000ull),
      suppress_ns_(uint64_t(thresholds.suppress_s) * 1'000'000'000ull),
      capacity_(capacity == 0 ? 1 : capacity), ipv6_prefix_(ipv6_prefix) {
    clients_.reserve(capacity_);
}

void Escalator::set_windows(const config::Detectors& thresholds) {
    correlation_ns_ = uint64_t(thresholds.correlation_window_s) * 1'000'000'000ull;
    suppress_ns_ = uint64_t(thresholds.suppress_s) * 1'000'000'000ull;
}

Escalator::ClientState& Escalator::touch(const ClientKey& key) {
    auto it = clients_.find(key);
    if (it != clients_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second;
    }
    if (clients_.size() >= capacity_) {
        clients_.erase(lru_.back());
        lru_.pop_back();
        ++counters_.clients_evicted;
    }
    lru_.push_front(key);
    ClientState& c = clients_[key];
    c.last_seen_ns.fill(kNever);
    c.lru = lru_.begin();
    return c;
}

// A PDNS detection pairs with the nearest other detection of the client; any
// other detection pairs with the client's last PDNS. Both within the window.
bool Escalator::find_correlation(const ClientState& c, const shm::DetectionRecord& r, Decision& d) const {
    if (correlation_ns_ == 0) return false;
    uint64_t best = kNever;
    for (uint8_t other = 0; other < shm::kDetectorCount; ++other) {
        bool pairs = r.detector == kPdns ? other != kPdns : other == kPdns;
        uint64_t seen = c.last_seen_ns[other];
        if (!pairs || seen == kNever) continue;
        uint64_t gap = distance(seen, r.ts_ns);
        if (gap <= correlation_ns_ && gap < best) {
            best = gap;
            d.correlated = true;
            d.correlated_detector = other;
            d.correlated_ts_ns = seen;
        }
    }
    return d.correlated;
}

Decision Escalator::decide(const shm::DetectionRecord& r, const config::IntelEntry* watch) {
    Decision d;
    d.watch = watch;
    ++counters_.decided;
    if (r.detector >= shm::kDetectorCount) {
        ++counters_.invalid_detector;
        return d; // not emitted: nothing known to say about it
    }
    ClientState& c = touch(ClientKey::of(r, ipv6_prefix_));

    const char* reason = fixed_tier2_reason(r);
    if (find_correlation(c, r, d)) {
        ++counters_.correlations;
        if (!reason) reason = r.detector == kPdns ? "passive-DNS lookup coinciding with another detection"
                                                  : "detection coinciding with a passive-DNS lookup";
    }
    if (!reason && watch) reason = "client on the analysts' watchlist";
    d.tier = reason ? 2 : 1;
    d.tier_reason = reason ? reason : "no escalation rule matched";
    c.last_seen_ns[r.detector] = r.ts_ns;

    PairState& p = c.pairs[r.detector];
    bool escalation = d.tier == 2 && p.last_tier == 1;
    // suppress_s = 0 disables suppression; packet time running backwards counts as within.
    bool within = suppress_ns_ > 0 && p.alerted &&
                  (r.ts_ns < p.last_alert_ns || r.ts_ns - p.last_alert_ns < suppress_ns_);
    if (watch) ++counters_.watched;
    if (within && !escalation && !watch) {
        ++p.held_back;
        ++counters_.suppressed;
        return d;
    }
    if (within) ++counters_.escalations_through_suppression;
    d.emit = true;
    d.suppressed_since_last = p.held_back;
    p = PairState{true, uint8_t(d.tier), r.ts_ns, 0};
    ++counters_.emitted;
    ++(d.tier == 2 ? counters_.tier2 : counters_.tier1);
    return d;
}

} // namespace recontap::mgmt
