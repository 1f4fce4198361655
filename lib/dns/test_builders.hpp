// Test-only helpers that build frames and DNS messages byte by byte.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace recontap::dns::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); }
inline void put32(Bytes& b, uint32_t v) { put16(b, uint16_t(v >> 16)); put16(b, uint16_t(v)); }
inline void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
inline void append(Bytes& b, std::initializer_list<uint8_t> more) { b.insert(b.end(), more); }

// "www.example.com" -> 3www7example3com0 ("" is the root).
inline Bytes wire_name(std::string_view dotted) {
    Bytes b;
    while (!dotted.empty()) {
        auto dot = dotted.find('.');
        auto label = dotted.substr(0, dot);
        b.push_back(uint8_t(label.size()));
        b.insert(b.end(), label.begin(), label.end());
        dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    }
    b.push_back(0);
    return b;
}

inline Bytes dns_header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an = 0, uint16_t ns = 0, uint16_t ar = 0) {
    Bytes b;
    put16(b, id); put16(b, flags); put16(b, qd); put16(b, an); put16(b, ns); put16(b, ar);
    return b;
}

inline Bytes dns_query(std::string_view name, uint16_t qtype, uint16_t id = 0x1234) {
    Bytes b = dns_header(id, 0x0100, 1);
    append(b, wire_name(name));
    put16(b, qtype);
    put16(b, 1);
    return b;
}

// An RR whose owner is a pointer to offset 12 (the first question's name).
inline Bytes rr(uint16_t type, uint16_t rclass, uint32_t ttl, const Bytes& rdata, Bytes owner = {0xC0, 0x0C}) {
    Bytes b = owner;
    put16(b, type); put16(b, rclass); put32(b, ttl); put16(b, uint16_t(rdata.size()));
    append(b, rdata);
    return b;
}

inline Bytes udp(const Bytes& payload, uint16_t sport = 40000, uint16_t dport = 53) {
    Bytes b;
    put16(b, sport); put16(b, dport); put16(b, uint16_t(8 + payload.size())); put16(b, 0);
    append(b, payload);
    return b;
}

inline Bytes tcp(const Bytes& payload, uint32_t seq, uint8_t flags = 0x18, uint16_t sport = 40000,
                 uint16_t dport = 53, std::size_t option_bytes = 0) {
    Bytes b;
    put16(b, sport); put16(b, dport); put32(b, seq); put32(b, 0);
    b.push_back(uint8_t(((20 + option_bytes) / 4) << 4));
    b.push_back(flags);
    put16(b, 65535); put16(b, 0); put16(b, 0);
    for (std::size_t i = 0; i < option_bytes; ++i) b.push_back(1); // NOPs
    append(b, payload);
    return b;
}

inline Bytes ipv4(const Bytes& l4, uint8_t proto = 17, std::size_t option_bytes = 0, uint16_t frag = 0,
                  uint16_t id = 1, uint8_t src_last = 1, uint8_t dst_last = 2) {
    Bytes b;
    b.push_back(uint8_t(0x40 | (20 + option_bytes) / 4));
    b.push_back(0);
    put16(b, uint16_t(20 + option_bytes + l4.size()));
    put16(b, id); put16(b, frag);
    b.push_back(64); b.push_back(proto); put16(b, 0);
    append(b, {10, 0, 0, src_last, 10, 0, 0, dst_last});
    for (std::size_t i = 0; i < option_bytes; ++i) b.push_back(1);
    append(b, l4);
    return b;
}

// ext: pairs of (header type, body) laid out in order; each body is padded
// to the header's 8-octet length unit by the caller.
inline Bytes ipv6(const Bytes& l4, uint8_t proto = 17, std::vector<std::pair<uint8_t, Bytes>> ext = {}) {
    Bytes chain;
    for (std::size_t i = 0; i < ext.size(); ++i) {
        uint8_t next = i + 1 < ext.size() ? ext[i + 1].first : proto;
        Bytes h = ext[i].second;
        h[0] = next;
        append(chain, h);
    }
    Bytes b = {0x60, 0, 0, 0};
    put16(b, uint16_t(chain.size() + l4.size()));
    b.push_back(ext.empty() ? proto : ext[0].first);
    b.push_back(64);
    for (int i = 0; i < 15; ++i) b.push_back(0x20);
    b.push_back(1);
    for (int i = 0; i < 15; ++i) b.push_back(0x20);
    b.push_back(2);
    append(b, chain);
    append(b, l4);
    return b;
}

inline Bytes ethernet(const Bytes& l3, std::initializer_list<uint16_t> types) {
    Bytes b(12, 0xAA);
    for (uint16_t t : types) put16(b, t);
    append(b, l3);
    return b;
}

} // namespace recontap::dns::test
