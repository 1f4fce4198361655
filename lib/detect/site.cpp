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
    : site_(s),
      internal_networks_(s.internal_networks),
      allow_clients_(s.allow_clients),
      dns_servers_(s.dns_servers),
      zones_(s.internal_zones),
      allowed_(s.allow_domains),
      intel_(s.intel) {}

std::string_view base_domain(std::string_view name, int internal_zone, const Site& site) {
    if (internal_zone >= 0) {
        const std::string& zone = site.zone(internal_zone);
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

NameVerdict name_verdict(std::string_view name, const rules::Match& match, const Site& site) {
    NameVerdict v;
    v.match = match;
    v.internal_zone = int16_t(site.internal_zone(name));
    v.allowed_domain = site.allowed_domain(name);
    v.under_arpa = name_under(name, "arpa");
    std::string_view base = base_domain(name, v.internal_zone, site);
    v.base_begin = uint16_t(base.data() - name.data());
    v.base_len = uint16_t(base.size());
    v.name_hash = state::hash_name_caseless(name);
    v.base_hash = state::hash_name_caseless(base);
    return v;
}

} // namespace recontap::detect
