// Matcher: a worker's view of a RuleSet with its own Hyperscan scratch.
#include "rules/rules.hpp"

#include <algorithm>
#include <utility>

namespace recontap::rules {

namespace {

struct ScanState {
    Match match;
    uint32_t pdns_count;
};

// Hyperscan reports each rule once (HS_FLAG_SINGLEMATCH); keep the lowest
// index per category so the reported rule does not depend on match order.
int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* context) {
    auto& s = *static_cast<ScanState*>(context);
    if (id < s.pdns_count) {
        s.match.categories |= 1u << static_cast<unsigned>(Category::pdns);
        if (id < s.match.pdns_rule) s.match.pdns_rule = id;
    } else {
        s.match.categories |= 1u << static_cast<unsigned>(Category::sensitive);
        if (id < s.match.sens_rule) s.match.sens_rule = id;
    }
    return 0;
}

} // namespace

Matcher::Matcher(std::shared_ptr<const RuleSet> rules) { rebind(std::move(rules)); }

Matcher::~Matcher() { hs_free_scratch(scratch_); }

Matcher::Matcher(Matcher&& other) noexcept
    : rules_(std::move(other.rules_)), scratch_(std::exchange(other.scratch_, nullptr)) {}

Matcher& Matcher::operator=(Matcher&& other) noexcept {
    if (this != &other) {
        hs_free_scratch(scratch_);
        rules_ = std::move(other.rules_);
        scratch_ = std::exchange(other.scratch_, nullptr);
    }
    return *this;
}

void Matcher::rebind(std::shared_ptr<const RuleSet> rules) {
    if (!rules) throw RuleError("Matcher: no rule set");
    if (const hs_database_t* db = rules->database()) {
        if (hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) throw RuleError("Matcher: cannot allocate Hyperscan scratch");
    }
    rules_ = std::move(rules);
}

hs_scratch_t* Matcher::adopt(std::shared_ptr<const RuleSet> rules, hs_scratch_t* scratch) noexcept {
    rules_ = std::move(rules);
    return std::exchange(scratch_, scratch);
}

hs_scratch_t* Matcher::make_scratch(const RuleSet& rules) {
    hs_scratch_t* scratch = nullptr;
    if (const hs_database_t* db = rules.database())
        if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) throw RuleError("cannot allocate Hyperscan scratch");
    return scratch;
}

std::vector<uint32_t> Matcher::all_matches(std::string_view name) const {
    std::vector<uint32_t> ids;
    const hs_database_t* db = rules_->database();
    if (!db || !scratch_) return ids;
    auto collect = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* context) {
        static_cast<std::vector<uint32_t>*>(context)->push_back(id);
        return 0;
    };
    if (hs_scan(db, name.data(), static_cast<unsigned>(name.size()), 0, scratch_, collect, &ids) != HS_SUCCESS)
        ids.clear();
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

Match Matcher::match(std::string_view name) const {
    ScanState state{Match{}, rules_->pdns_count()};
    const hs_database_t* db = rules_->database();
    if (!db || !scratch_) return state.match;
    // Failure is only possible with a corrupt database or scratch; nothing matched then.
    if (hs_scan(db, name.data(), static_cast<unsigned>(name.size()), 0, scratch_, on_match, &state) != HS_SUCCESS)
        return Match{};
    return state.match;
}

} // namespace recontap::rules
