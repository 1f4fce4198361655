#include "dataplane/live_settings.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace recontap::dataplane {

LiveBundle::~LiveBundle() {
    for (hs_scratch_t* s : scratch) hs_free_scratch(s);
}

LiveSettings::LiveSettings(unsigned workers, std::shared_ptr<const rules::RuleSet> rules,
                           const config::Detectors& thresholds)
    : workers_(workers) {
    // Plain aligned memory rather than rte_zmalloc: works before and without EAL (unit tests).
    const std::size_t size = rte_rcu_qsbr_get_memsize(workers);
    const std::size_t rounded = (size + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE * RTE_CACHE_LINE_SIZE;
    qsv_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, rounded));
    if (!qsv_) throw std::bad_alloc();
    std::memset(qsv_, 0, rounded);
    if (rte_rcu_qsbr_init(qsv_, workers) != 0) {
        std::free(qsv_);
        throw std::runtime_error("rte_rcu_qsbr_init failed for " + std::to_string(workers) + " workers");
    }
    for (unsigned w = 0; w < workers; ++w) rte_rcu_qsbr_thread_register(qsv_, w);
    owned_ = make_bundle(std::move(rules), thresholds);
    owned_->sequence = owned_->rules_generation = owned_->thresholds_generation = 1;
    current_.store(owned_.get(), std::memory_order_release);
}

LiveSettings::~LiveSettings() {
    retired_.clear();
    owned_.reset();
    std::free(qsv_);
}

std::unique_ptr<LiveBundle> LiveSettings::make_bundle(std::shared_ptr<const rules::RuleSet> rules,
                                                      const config::Detectors& thresholds) const {
    auto b = std::make_unique<LiveBundle>();
    b->rules = std::move(rules);
    b->thresholds = thresholds;
    b->scratch.assign(workers_, nullptr);
    for (auto& s : b->scratch) s = rules::Matcher::make_scratch(*b->rules); // on throw ~LiveBundle frees the rest
    return b;
}

void LiveSettings::publish(std::unique_ptr<LiveBundle> next) {
    next->sequence = owned_->sequence + 1;
    current_.store(next.get(), std::memory_order_release);
    // The token is taken after the store: a worker whose quiescent report
    // carries it has loaded the new pointer at its next burst.
    retired_.push_back({rte_rcu_qsbr_start(qsv_), std::move(owned_)});
    owned_ = std::move(next);
}

void LiveSettings::publish_rules(std::shared_ptr<const rules::RuleSet> rules) {
    auto next = make_bundle(std::move(rules), owned_->thresholds);
    next->rules_generation = owned_->rules_generation + 1;
    next->thresholds_generation = owned_->thresholds_generation;
    publish(std::move(next));
}

void LiveSettings::publish_thresholds(const config::Detectors& thresholds) {
    auto next = make_bundle(owned_->rules, thresholds);
    next->rules_generation = owned_->rules_generation;
    next->thresholds_generation = owned_->thresholds_generation + 1;
    publish(std::move(next));
}

std::size_t LiveSettings::reclaim() {
    while (!retired_.empty() && rte_rcu_qsbr_check(qsv_, retired_.front().token, false) == 1) {
        std::shared_ptr<const rules::RuleSet> rules = retired_.front().bundle->rules;
        retired_.pop_front();
        if (rules.use_count() > 1 && rules != owned_->rules) lingering_rules_.push_back(std::move(rules));
    }
    std::erase_if(lingering_rules_, [](const auto& r) { return r.use_count() == 1; });
    return retired_.size();
}

} // namespace recontap::dataplane
