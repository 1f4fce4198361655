#include "config/config.hpp"
#include "config/text_file.hpp"

#include <cstring>
#include <filesystem>

namespace recontap::config {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}
} // namespace

std::vector<IntelEntry> read_intel_list(const std::string& path) {
    int error_number = 0;
    const auto text = read_text_file(path, error_number);
    if (!text) throw ConfigError(path + ": cannot read threat-intel list: " + std::strerror(error_number));
    const std::string name = std::filesystem::path(path).filename().string();
    std::vector<IntelEntry> entries;
    std::string_view rest = *text;
    for (unsigned line = 1; !rest.empty(); ++line) {
        std::size_t nl = rest.find('\n');
        std::string_view raw = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        std::size_t hash = raw.find('#');
        std::string_view addr = trim(raw.substr(0, hash));
        std::string_view comment = hash == std::string_view::npos ? std::string_view{} : trim(raw.substr(hash + 1));
        if (addr.empty()) continue;
        IntelEntry e;
        if (!parse_cidr(addr, e.net))
            throw ConfigError(path + ":" + std::to_string(line) + ": not an address or CIDR: \"" + std::string(addr) + "\"");
        e.label = name + ":" + std::to_string(line);
        if (!comment.empty()) e.label += " " + std::string(comment);
        entries.push_back(std::move(e));
    }
    return entries;
}

} // namespace recontap::config
