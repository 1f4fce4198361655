// Address, prefix and zone-name helpers: text in, validated values out.
#include "config/config.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace recontap::config {

namespace {

uint8_t max_prefix(const dns::IpAddr& a) { return a.family == 4 ? 32 : 128; }

// True when every bit of a after the first prefix bits is zero.
bool host_bits_zero(const dns::IpAddr& a, uint8_t prefix) {
    for (int bit = prefix; bit < max_prefix(a); ++bit)
        if (a.bytes[bit / 8] & (0x80u >> (bit % 8))) return false;
    return true;
}

// Host-name characters, ASCII only (no locale): letters, digits, '-', '_'.
bool is_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

} // namespace

bool Cidr::contains(const dns::IpAddr& a) const {
    if (a.family != addr.family || addr.family == 0) return false;
    const int whole = prefix / 8;
    if (std::memcmp(a.bytes, addr.bytes, whole) != 0) return false;
    const int rest = prefix % 8;
    if (rest == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xFFu << (8 - rest));
    return (a.bytes[whole] & mask) == (addr.bytes[whole] & mask);
}

dns::IpAddr network_of(const dns::IpAddr& a, unsigned prefix) {
    dns::IpAddr n = a;
    for (unsigned bit = prefix; bit < max_prefix(a); ++bit) n.bytes[bit / 8] &= uint8_t(~(0x80u >> (bit % 8)));
    return n;
}

bool parse_ip(std::string_view text, dns::IpAddr& out) {
    char buf[INET6_ADDRSTRLEN];
    // An embedded NUL would end the text early for inet_pton: "10.0.0.1\0junk" is not an address.
    if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    dns::IpAddr a;
    if (inet_pton(AF_INET, buf, a.bytes) == 1) {
        a.family = 4;
    } else if (inet_pton(AF_INET6, buf, a.bytes) == 1) {
        a.family = 6;
    } else {
        return false;
    }
    out = a;
    return true;
}

bool parse_cidr(std::string_view text, Cidr& out) {
    const auto slash = text.find('/');
    Cidr c;
    if (!parse_ip(text.substr(0, slash), c.addr)) return false;
    c.prefix = max_prefix(c.addr);
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3) return false;
        unsigned prefix = 0;
        for (char ch : digits) {
            if (ch < '0' || ch > '9') return false;
            prefix = prefix * 10 + static_cast<unsigned>(ch - '0');
        }
        if (prefix > max_prefix(c.addr)) return false;
        c.prefix = static_cast<uint8_t>(prefix);
    }
    if (!host_bits_zero(c.addr, c.prefix)) return false;
    out = c;
    return true;
}

std::string format_ip(const dns::IpAddr& a) {
    char buf[INET6_ADDRSTRLEN];
    const int af = a.family == 4 ? AF_INET : a.family == 6 ? AF_INET6 : 0;
    if (af == 0 || !inet_ntop(af, a.bytes, buf, sizeof buf)) return "(unset)";
    return buf;
}

bool normalise_zone(std::string_view text, std::string& out) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    if (text.empty() || text.size() > 253) return false;
    std::string zone;
    zone.reserve(text.size());
    std::size_t label_len = 0;
    for (char ch : text) {
        if (ch == '.') {
            if (label_len == 0) return false;
            label_len = 0;
        } else if (is_name_char(ch)) {
            if (++label_len > 63) return false;
        } else {
            return false;
        }
        zone.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
    }
    if (label_len == 0) return false;
    out = std::move(zone);
    return true;
}

} // namespace recontap::config
