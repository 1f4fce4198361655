// What operators change while traffic flows (DESIGN.md "Hot path"): the
// compiled rule set and the [detectors] thresholds. The main lcore builds a
// new immutable LiveBundle and publishes its pointer; each worker picks it up
// at a burst boundary and reports quiescent states with rte_rcu_qsbr. A
// retired bundle is freed only once every online worker has passed a
// quiescent point after it was replaced, and never by a worker.
//
// Workers copy what they need (thresholds, a shared_ptr to the rules) and
// remember the bundle's sequence number, not its address, so nothing they
// keep points into a bundle after their next quiescent report.
#pragma once
#include "config/config.hpp"
#include "rules/rules.hpp"

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace recontap::dataplane {

struct LiveBundle {
    uint64_t sequence = 0;             // 1, 2, ... one per publication
    uint64_t rules_generation = 0;     // 1 at start, +1 per successful reload
    uint64_t thresholds_generation = 0;
    std::shared_ptr<const rules::RuleSet> rules;
    config::Detectors thresholds;
    // One Hyperscan scratch per worker for rules' database, allocated on the
    // control path. A worker adopting these rules swaps its previous scratch
    // into its own slot, so each slot always holds one scratch this bundle frees.
    std::vector<hs_scratch_t*> scratch;

    LiveBundle() = default;
    LiveBundle(const LiveBundle&) = delete;
    LiveBundle& operator=(const LiveBundle&) = delete;
    ~LiveBundle();
};

class LiveSettings {
public:
    // Throws rules::RuleError when scratch cannot be allocated.
    LiveSettings(unsigned workers, std::shared_ptr<const rules::RuleSet> rules, const config::Detectors& thresholds);
    ~LiveSettings(); // after every worker has stopped
    LiveSettings(const LiveSettings&) = delete;
    LiveSettings& operator=(const LiveSettings&) = delete;

    // --- worker side: lock-free, no allocation ---
    void worker_online(unsigned w) { rte_rcu_qsbr_thread_online(qsv_, w); }
    void worker_offline(unsigned w) { rte_rcu_qsbr_thread_offline(qsv_, w); }
    void quiescent(unsigned w) { rte_rcu_qsbr_quiescent(qsv_, w); }
    LiveBundle* current() const { return current_.load(std::memory_order_acquire); }

    // --- control side: the main lcore only ---
    const LiveBundle& published() const { return *owned_; }
    // New rules (already compiled); thresholds carried over. Throws
    // rules::RuleError when scratch cannot be allocated: nothing changes then.
    void publish_rules(std::shared_ptr<const rules::RuleSet> rules);
    void publish_thresholds(const config::Detectors& thresholds);
    // Frees what every worker has moved past. Never waits; returns how many
    // bundles still wait for a worker's quiescent report.
    std::size_t reclaim();

private:
    std::unique_ptr<LiveBundle> make_bundle(std::shared_ptr<const rules::RuleSet> rules,
                                            const config::Detectors& thresholds) const;
    void publish(std::unique_ptr<LiveBundle> next);

    unsigned workers_;
    rte_rcu_qsbr* qsv_ = nullptr;
    std::unique_ptr<LiveBundle> owned_;   // the published bundle
    std::atomic<LiveBundle*> current_{nullptr};
    struct Retired {
        uint64_t token;
        std::unique_ptr<LiveBundle> bundle;
    };
    std::deque<Retired> retired_;
    // Rule sets a worker may still reference after its bundle was freed (it
    // drops the reference at its next burst): released here, so a worker
    // never frees a Hyperscan database.
    std::vector<std::shared_ptr<const rules::RuleSet>> lingering_rules_;
};

} // namespace recontap::dataplane
