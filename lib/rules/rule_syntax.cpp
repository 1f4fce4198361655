// One rule line -> one Hyperscan expression. See rules.hpp for the syntax.
#include "rules/rules.hpp"

#include <cstdio>

namespace recontap::rules {

namespace {

[[noreturn]] void fail(const std::string& file, uint32_t line_no, const std::string& msg) {
    throw RuleError(file + ":" + std::to_string(line_no) + ": " + msg);
}

std::string_view trim(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Validates dot-separated labels and returns them as a literal regex.
std::string literal_labels(std::string_view core, const std::string& file, uint32_t line_no) {
    std::string out;
    std::size_t label_len = 0;
    for (char c : core) {
        if (c == '.') {
            if (label_len == 0) fail(file, line_no, "empty label in \"" + std::string(core) + "\"");
            out += "\\.";
            label_len = 0;
        } else if (c == '*') {
            fail(file, line_no, "'*' only as a leading \"*.\" or a trailing \".*\"");
        } else if (is_label_char(c)) {
            if (++label_len > 63) fail(file, line_no, "label longer than 63 characters");
            out += c;
        } else if (c == ' ' || c == '\t') {
            fail(file, line_no, "one rule per line (unexpected space in \"" + std::string(core) + "\")");
        } else {
            // A NUL or a lone byte of UTF-8 would cut or garble the message: name those by value.
            const auto byte = static_cast<unsigned char>(c);
            char shown[16];
            std::snprintf(shown, sizeof shown, byte < 0x20 || byte >= 0x7f ? "byte 0x%02X" : "character '%c'", byte);
            fail(file, line_no, std::string(shown) + " is not allowed in a name rule (use re:)");
        }
    }
    if (label_len == 0) fail(file, line_no, "empty label in \"" + std::string(core) + "\"");
    return out;
}

} // namespace

bool translate_line(std::string_view line, Category category, const std::string& file, uint32_t line_no,
                    Compiled& out) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return false;

    if (line.substr(0, 3) == "re:") {
        const std::string_view regex = trim(line.substr(3));
        if (regex.empty()) fail(file, line_no, "empty regex after \"re:\"");
        // Hyperscan reads a pattern up to its first NUL: the rest would be
        // silently dropped ("re:abc\0def" matching like "re:abc").
        if (regex.find('\0') != std::string_view::npos)
            fail(file, line_no, "byte 0x00 is not allowed in a regex (write \\x00)");
        out = Compiled{std::string(line), std::string(regex), HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH};
        return true;
    }

    // Name rules: an inline comment may follow ('#' never occurs in a name).
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = trim(line.substr(0, hash));
    std::string_view core = line;
    const bool under = core.substr(0, 2) == "*.";
    if (under) core.remove_prefix(2);
    const bool followed = core.size() >= 2 && core.substr(core.size() - 2) == ".*";
    if (followed) core.remove_suffix(2);
    if (core.empty()) fail(file, line_no, "a wildcard needs a name (\"*.example.com\", \"oast.*\")");

    const std::string literal = literal_labels(core, file, line_no);
    const bool leftmost_label = category == Category::sensitive && !under && !followed &&
                                core.find('.') == std::string_view::npos;
    std::string expr = "\\A";
    if (under) expr += "(?:.*\\.)?";
    expr += literal;
    if (leftmost_label) expr += "(?:\\.|\\z)";
    else if (followed) expr += "\\..";
    else expr += "\\z";
    // DOTALL: '.' in the generated wildcards stands for any octet of a name.
    out = Compiled{std::string(line), std::move(expr), HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL};
    return true;
}

} // namespace recontap::rules
