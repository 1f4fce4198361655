// RuleSet: reads both rule files, translates every line, and compiles all
// rules into one Hyperscan block-mode database whose ids are rule indexes.
#include "rules/rules.hpp"

#include "config/text_file.hpp"

#include <cstring>
#include <unordered_map>

namespace recontap::rules {

namespace {

std::string read_file(const std::string& path) {
    int error_number = 0;
    auto text = config::read_text_file(path, error_number);
    if (!text) throw RuleError(path + ": cannot read: " + std::strerror(error_number));
    return std::move(*text);
}

struct Pending {
    std::vector<Rule> rules;
    std::vector<std::string> patterns;
    std::vector<unsigned> flags;
};

// Both files together. Compile time and memory grow faster than the rule
// count (200,000 name rules took minutes and gigabytes here): the limit keeps
// a reload to seconds and a typo'd file (a log pasted in) from exhausting the host.
constexpr std::size_t kMaxRules = 20000;

// Appends the rules of one file; a rule written twice in a file is an error.
void add_file(std::string_view text, Category category, const std::string& file, Pending& out) {
    std::unordered_map<std::string, uint32_t> first_line;
    uint32_t line_no = 0;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        ++line_no;
        Compiled c;
        if (!translate_line(line, category, file, line_no, c)) continue;
        if (out.rules.size() == kMaxRules)
            throw RuleError(file + ":" + std::to_string(line_no) + ": more than " + std::to_string(kMaxRules) +
                            " rules in all (both files); merge names into regular expressions or split the list");
        std::string key = c.text; // name rules are caseless: so is "the same rule"
        if (key.rfind("re:", 0) != 0)
            for (char& ch : key)
                if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        if (const auto [it, fresh] = first_line.emplace(std::move(key), line_no); !fresh)
            throw RuleError(file + ":" + std::to_string(line_no) + ": \"" + c.text + "\" repeats line " +
                            std::to_string(it->second));
        out.rules.push_back(Rule{category, file, line_no, c.text});
        out.patterns.push_back(std::move(c.expression));
        out.flags.push_back(c.flags);
    }
}

} // namespace

std::shared_ptr<const RuleSet> RuleSet::build(std::string_view pdns, const std::string& pdns_name,
                                              std::string_view sensitive, const std::string& sensitive_name) {
    Pending p;
    add_file(pdns, Category::pdns, pdns_name, p);
    const auto pdns_count = static_cast<uint32_t>(p.rules.size());
    add_file(sensitive, Category::sensitive, sensitive_name, p);

    std::shared_ptr<RuleSet> set(new RuleSet());
    set->pdns_count_ = pdns_count;
    if (!p.rules.empty()) {
        std::vector<const char*> expressions;
        std::vector<unsigned> ids;
        for (std::size_t i = 0; i < p.patterns.size(); ++i) {
            expressions.push_back(p.patterns[i].c_str());
            ids.push_back(static_cast<unsigned>(i));
        }
        hs_database_t* db = nullptr;
        hs_compile_error_t* err = nullptr;
        if (hs_compile_multi(expressions.data(), p.flags.data(), ids.data(), static_cast<unsigned>(ids.size()),
                             HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
            std::string where = pdns_name + ", " + sensitive_name;
            std::string what = err ? err->message : "unknown error";
            if (err && err->expression >= 0 && static_cast<std::size_t>(err->expression) < p.rules.size()) {
                const Rule& r = p.rules[static_cast<std::size_t>(err->expression)];
                where = r.file + ":" + std::to_string(r.line);
                what = "\"" + r.text + "\" does not compile: " + what;
            }
            hs_free_compile_error(err);
            throw RuleError(where + ": " + what);
        }
        set->database_.reset(db);
    }
    set->rules_ = std::move(p.rules);
    return set;
}

std::shared_ptr<const RuleSet> RuleSet::load(const std::string& pdns_file, const std::string& sensitive_file) {
    const std::string pdns = read_file(pdns_file); // in order: the first unreadable file is reported
    const std::string sensitive = read_file(sensitive_file);
    return build(pdns, pdns_file, sensitive, sensitive_file);
}

std::shared_ptr<const RuleSet> RuleSet::from_text(std::string_view pdns, std::string_view sensitive) {
    return build(pdns, "<pdns>", sensitive, "<sensitive>");
}

} // namespace recontap::rules
