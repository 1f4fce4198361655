// Rule matching: the passive-DNS provider and sensitive-label rule files of
// rules/, compiled into one Hyperscan block-mode database.
//
// Rule files are plain text, one rule per line; '#' starts a comment (for
// regex rules only at the start of the line); blank lines are ignored.
//   api.securitytrails.com   exactly that name (caseless)
//   *.oastify.com            that name or any name under it
//   oast.*                   first label "oast" followed by one or more labels
//   *.oast.*                 a label "oast" anywhere but last
//   vpn                      (sensitive file only) the leftmost label is "vpn";
//                            in the pdns file a bare word is an exact name
//   re:<regex>               a Hyperscan (PCRE subset) regex over the name
// Names are matched as decoded: labels joined by '.', no trailing dot.
#pragma once
#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace recontap::rules {

enum class Category : uint8_t { pdns = 0, sensitive = 1 };

struct Rule {
    Category category;
    std::string file;   // as given to load(), "<pdns>"/"<sensitive>" for from_text()
    uint32_t line;      // 1-based
    std::string text;   // the rule as written, comment and blanks stripped
};

struct Match {
    uint32_t categories = 0;          // bit (1u << Category)
    uint32_t pdns_rule = UINT32_MAX;  // index of the first (lowest-index) pdns rule hit
    uint32_t sens_rule = UINT32_MAX;  // index of the first sensitive rule hit
    bool has(Category c) const { return categories & (1u << static_cast<unsigned>(c)); }
};

// what() is "FILE:LINE: message", or "FILE: cannot read: <reason>".
struct RuleError : std::runtime_error {
    using runtime_error::runtime_error;
};

// Immutable compiled database, shared read-only by all workers.
class RuleSet {
public:
    static std::shared_ptr<const RuleSet> load(const std::string& pdns_file, const std::string& sensitive_file);
    static std::shared_ptr<const RuleSet> from_text(std::string_view pdns, std::string_view sensitive);

    // Rules are indexed pdns first, then sensitive, each in file order.
    const Rule& rule(uint32_t index) const { return rules_.at(index); }
    std::size_t size() const { return rules_.size(); }
    // nullptr when there are no rules at all (then nothing matches).
    const hs_database_t* database() const { return database_.get(); }
    uint32_t pdns_count() const { return pdns_count_; }

private:
    struct FreeDatabase {
        void operator()(hs_database_t* db) const { hs_free_database(db); }
    };
    RuleSet() = default;
    static std::shared_ptr<const RuleSet> compile(std::vector<Rule> rules, std::vector<std::string> patterns,
                                                  std::vector<unsigned> flags);
    static std::shared_ptr<const RuleSet> build(std::string_view pdns, const std::string& pdns_name,
                                                std::string_view sensitive, const std::string& sensitive_name);

    std::vector<Rule> rules_;
    uint32_t pdns_count_ = 0;
    std::unique_ptr<hs_database_t, FreeDatabase> database_;
};

// One per worker: owns its hs_scratch_t, so it is not shared between threads.
// match() allocates nothing and takes no lock.
class Matcher {
public:
    explicit Matcher(std::shared_ptr<const RuleSet> rules);
    ~Matcher();
    Matcher(Matcher&& other) noexcept;
    Matcher& operator=(Matcher&& other) noexcept;
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;

    Match match(std::string_view name) const;
    // After a reload: grows the scratch for the new database (control path only).
    void rebind(std::shared_ptr<const RuleSet> rules);
    // After a reload, on a worker: takes a scratch allocated for rules by
    // make_scratch() on the control path and returns the previous one, for
    // the control path to free. Allocates nothing.
    hs_scratch_t* adopt(std::shared_ptr<const RuleSet> rules, hs_scratch_t* scratch) noexcept;
    // A scratch for rules' database (nullptr when it has no rules); throws RuleError.
    static hs_scratch_t* make_scratch(const RuleSet& rules);
    // Control path (`recontapctl rules test`): every rule index name matches,
    // in index order.
    std::vector<uint32_t> all_matches(std::string_view name) const;
    const RuleSet& rules() const { return *rules_; }

private:
    std::shared_ptr<const RuleSet> rules_;
    hs_scratch_t* scratch_ = nullptr;
};

// One rule line -> Hyperscan expression and flags. Exposed for tests and for
// `recontapctl rule test`. Throws RuleError "FILE:LINE: message" for a bad line;
// returns false for a blank or comment line.
struct Compiled {
    std::string text;       // the rule as written
    std::string expression; // Hyperscan pattern
    unsigned flags = 0;
};
bool translate_line(std::string_view line, Category category, const std::string& file, uint32_t line_no,
                    Compiled& out);

} // namespace recontap::rules
