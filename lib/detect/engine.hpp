// Classify -> count -> detect for one worker. Given each decoded DNS message
// it matches the name against the rules, finds the client's state, rolls the
// window on packet time and runs every detector. Single-threaded, allocation
// free after construction.
#pragma once
#include "config/config.hpp"
#include "detect/direction.hpp"
#include "detect/emit.hpp"
#include "detect/name_verdicts.hpp"
#include "detect/site.hpp"
#include "detect/window_volume.hpp"
#include "rules/rules.hpp"
#include "shm/layout.hpp"
#include "state/client_table.hpp"

#include <memory>

namespace recontap::detect {

class Engine {
public:
    Engine(const config::Config& cfg, std::shared_ptr<const rules::RuleSet> rules, DetectionSink& sink,
           uint8_t worker, shm::WorkerCountersData& counters);
    Engine(const Engine&) = delete; // the emitter holds a reference to thresholds_
    Engine& operator=(const Engine&) = delete;

    // One DNS message that decoded (header and questions valid). `steered`:
    // the client as steering already keyed and hashed it, if it did.
    void observe(uint64_t ts_ns, const dns::PacketView& pkt, const dns::DnsMessage& msg,
                 const SteeredClient* steered = nullptr);
    // A few messages ahead of observe(): start loading the client's slot.
    void prefetch_client(const SteeredClient& steered) const { clients_.prefetch(steered.ref.hash); }

    // Control path: new rule set after a reload.
    void rebind_rules(std::shared_ptr<const rules::RuleSet> rules);
    // Worker, at a burst boundary: a reloaded rule set with a scratch the
    // control path allocated for it. Allocates nothing; returns the previous
    // scratch for the control path to free.
    hs_scratch_t* adopt_rules(std::shared_ptr<const rules::RuleSet> rules, hs_scratch_t* scratch) noexcept;
    // Worker, at a burst boundary: thresholds changed at run time (copied:
    // nothing here points into the caller's struct afterwards).
    void set_thresholds(const config::Detectors& thresholds) { thresholds_ = thresholds; }
    const config::Detectors& thresholds() const { return thresholds_; }
    const rules::RuleSet& rules() const { return *rules_; }

    // Packet time passed with no packet (idle live port): close the
    // site-volume window if it ended. end_of_input: the last summary.
    void advance_clock(uint64_t now_ns);
    void end_of_input();

    // Copies the totals kept by the client table and the emitter into the
    // counters; the owner calls it before publishing them (not per message).
    void sync_counters();

    const state::ClientTable& clients() const { return clients_; }
    // Names whose verdict was worked out (not found in the cache): perf/bench.
    uint64_t verdict_misses() const { return verdicts_.misses(); }

private:
    // LazyVerdict's lookup (observation.hpp): the cached verdict of q's name.
    static const NameVerdict& lookup_verdict(void* self, const dns::DnsQuestion* q);

    const config::Config& cfg_;
    config::Detectors thresholds_; // the emitter refers to this copy
    Site site_;
    std::shared_ptr<const rules::RuleSet> rules_;
    rules::Matcher matcher_;
    NameVerdicts verdicts_; // matcher_ and site_ results per name, for repeated names
    state::ClientTable clients_;
    Emitter emitter_;
    WindowVolume volume_;
    shm::WorkerCountersData& counters_;
};

} // namespace recontap::detect
