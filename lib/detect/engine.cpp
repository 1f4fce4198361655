#include "detect/engine.hpp"

#include "detect/detectors.hpp"
#include "detect/direction.hpp"

#include <cstring>

namespace recontap::detect {

Engine::Engine(const config::Config& cfg, std::shared_ptr<const rules::RuleSet> rules, DetectionSink& sink,
               uint8_t worker, shm::WorkerCountersData& counters)
    : cfg_(cfg),
      thresholds_(cfg.detectors),
      site_(cfg.site),
      rules_(std::move(rules)),
      matcher_(rules_),
      clients_(cfg.dataplane.clients_per_worker, cfg.dataplane.ipv6_client_prefix, cfg.dataplane.client_hash_seed),
      emitter_(thresholds_, sink, worker),
      volume_(thresholds_, emitter_),
      counters_(counters) {}

void Engine::rebind_rules(std::shared_ptr<const rules::RuleSet> rules) {
    rules_ = std::move(rules);
    matcher_.rebind(rules_);
    verdicts_.clear();
}

void Engine::advance_clock(uint64_t now_ns) {
    volume_.advance(now_ns);
    sync_counters();
}

void Engine::end_of_input() {
    volume_.finish();
    sync_counters();
}

hs_scratch_t* Engine::adopt_rules(std::shared_ptr<const rules::RuleSet> rules, hs_scratch_t* scratch) noexcept {
    rules_ = std::move(rules);
    hs_scratch_t* old = matcher_.adopt(rules_, scratch);
    verdicts_.clear(); // cached verdicts came from the old rules
    return old;
}

namespace {
// Windows are aligned on absolute packet time, so every worker count and
// every replay speed cuts them at the same instants. A packet older than the
// current window by less than a window (reordering at a boundary) is counted
// in the current one; older still, the clock stepped back (a capture's or a
// tap's): a new window starts there, or the current one would take every
// packet until the clock caught up again, and a quiet client read as BULK.
void roll_window(state::ClientState& c, uint64_t ts_ns, const config::Detectors& t) {
    const uint64_t window_ns = uint64_t(t.window_s) * 1'000'000'000ull;
    const bool stepped_back = ts_ns + window_ns <= c.window_start_ns;
    if (c.window_start_ns != 0 && ts_ns < c.window_start_ns + window_ns && !stepped_back) return;
    uint64_t start = ts_ns - ts_ns % window_ns;
    if (start == 0) start = window_ns; // 0 marks "no window yet"
    if (c.window_start_ns == 0) { // a new client: the table handed it over zeroed
        c.window_start_ns = start;
        return;
    }
    spike_close_window(c, stepped_back ? 1 : (start - c.window_start_ns) / window_ns, t);
    state::ClientKey key = c.key;
    state::ClientHistory history = c.history;
    std::memset(&c, 0, sizeof c);
    c.key = key;
    c.history = history;
    c.window_start_ns = start;
}
} // namespace

const NameVerdict& Engine::lookup_verdict(void* self, const dns::DnsQuestion* q) {
    static constexpr NameVerdict kNoQuestion{};
    if (!q) return kNoQuestion;
    auto& e = *static_cast<Engine*>(self);
    std::string_view name = q->name.view();
    return e.verdicts_.get(name, [&] { return name_verdict(name, e.matcher_.match(name), e.site_); });
}

void Engine::observe(uint64_t ts_ns, const dns::PacketView& pkt, const dns::DnsMessage& msg,
                     const SteeredClient* steered) {
    // Over UDP steering already applied client_is_source to this payload's
    // own QR bit; a TCP segment's peeked bit may not be its message's.
    bool src_is_client = steered && pkt.transport == dns::Transport::udp
                             ? steered->is_source
                             : client_is_source(pkt, cfg_.dataplane.dns_ports, msg.qr());
    const dns::IpAddr& client = src_is_client ? pkt.src : pkt.dst;
    const dns::IpAddr& server = src_is_client ? pkt.dst : pkt.src;
    if (msg.qr())
        ++counters_.dns_responses;
    else
        ++counters_.dns_queries;
    if (site_.allowed_client(client)) return;

    const dns::DnsQuestion* q = msg.questions_kept ? &msg.questions[0] : nullptr;
    std::string_view qname = q ? q->name.view() : std::string_view{};
    LazyVerdict verdict(&Engine::lookup_verdict, this, q);
    rules::Match match{};
    if (q && !msg.qr()) {
        match = verdict.get().match;
        if (match.categories & (1u << unsigned(rules::Category::pdns))) ++counters_.rule_hits_pdns;
        if (match.categories & (1u << unsigned(rules::Category::sensitive))) ++counters_.rule_hits_sens;
    }
    Observation o{ts_ns,
                  pkt,
                  msg,
                  client,
                  server,
                  src_is_client ? pkt.sport : pkt.dport,
                  src_is_client ? pkt.dport : pkt.sport,
                  qname,
                  q ? q->qtype : uint16_t(0),
                  q ? q->qclass : uint16_t(0),
                  match,
                  site_,
                  verdict};

    bool created = false;
    state::ClientState& c = clients_.find_or_insert(
        steered && steered->is_source == src_is_client ? steered->ref : clients_.ref(client), ts_ns, created);
    roll_window(c, ts_ns, thresholds_);
    c.last_seen_ns = ts_ns;
    if (msg.qr()) {
        ++c.responses;
    } else {
        ++c.queries;
        volume_.count_query(o, c.queries);
    }

    detect_bulk(o, c, emitter_);
    detect_nxd(o, c, emitter_);
    detect_pdns(o, c, emitter_, *rules_);
    detect_sens(o, c, emitter_, *rules_);
    detect_rare(o, c, emitter_);
    detect_enum(o, c, emitter_);
    detect_ext(o, c, emitter_);
    detect_misconf(o, c, emitter_);
    detect_intel(o, c, emitter_, site_);
    detect_spike(o, c, emitter_);
}

void Engine::sync_counters() {
    counters_.clients_active = clients_.active();
    counters_.clients_evicted = clients_.evictions();
    counters_.detections = emitter_.emitted();
    counters_.window_summaries = emitter_.summaries();
}

} // namespace recontap::detect
