#include "detect/site.hpp"

namespace recontap::detect {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

bool equal_caseless(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// Start of the label that ends `end` chars into name (name[..end) split at dots).
std::size_t label_start(std::string_view name, std::size_t end) {
    std::size_t p = name.rfind('.', end == 0 ? 0 : end - 1);
    return (p == std::string_view::npos || end == 0) ? 0 : p + 1;
}
} // namespace

bool name_under(std::string_view name, std::string_view suffix) {
    if (suffix.empty()) return true;
    if (name.size() < suffix.size()) return false;
    if (!equal_caseless(name.substr(name.size() - suffix.size()), suffix)) return false;
    return name.size() == suffix.size() || name[name.size() - suffix.size() - 1] == '.';
}

Site::Site(const config::Site& s)
    : site_(s), zones_(s.internal_zones), allowed_(s.allow_domains), intel_(s.intel) {}

bool Site::in_any(const std::vector<config::Cidr>& nets, const dns::IpAddr& a) {
    for (const auto& n : nets)
        if (n.contains(a)) return true;
    return false;
}

bool Site::dns_server(const dns::IpAddr& a) const {
    for (const auto& s : site_.dns_servers)
        if (s == a) return true;
    return false;
}

std::string_view base_domain(std::string_view name, const Site& site) {
    if (int z = site.internal_zone(name); z >= 0) {
        const std::string& zone = site.zone(z);
        return name.substr(name.size() - zone.size());
    }
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::size_t tld = label_start(name, name.size());
    if (tld == 0) return name;
    std::size_t second = label_start(name, tld - 1);
    std::string_view sld = name.substr(second, tld - 1 - second);
    constexpr std::string_view kPublicSecondLevel[] = {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "mil", "gouv"};
    bool public_sld = false;
    if (name.size() - tld == 2)
        for (auto p : kPublicSecondLevel) public_sld |= equal_caseless(sld, p);
    if (public_sld && second > 0) return name.substr(label_start(name, second - 1));
    return name.substr(second);
}

} // namespace recontap::detect
