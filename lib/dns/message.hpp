// DNS message decoding (RFC 1035, RFC 6891, RFC 9267 name rules) over a byte
// span holding exactly one message (UDP payload, or one TCP length-prefixed
// message without its prefix).
#pragma once
#include "dns/malformed.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace recontap::dns {

// A decoded name. Label bytes are kept exactly as on the wire (no case
// folding, no escaping); labels are joined by '.', no trailing dot; the root
// is the empty string. Escape with escape_name() wherever it is printed.
struct DnsName {
    uint16_t len = 0;    // chars in text
    uint8_t labels = 0;
    char text[256];
    std::string_view view() const { return {text, len}; }
};

struct DnsQuestion {
    DnsName name;
    uint16_t qtype = 0;
    uint16_t qclass = 0;
};

inline constexpr int kMaxQuestionsKept = 4; // more are counted (qdcount) but not stored

struct DnsMessage {
    uint16_t id = 0;
    // Header octets 2-3 as sent (QR, opcode, AA, TC, RD; RA, Z, AD, CD,
    // RCODE), kept whole: one store per message instead of nine; the
    // accessors below read the fields.
    uint16_t flags = 0;
    uint16_t rcode = 0; // 12-bit extended rcode when OPT is present
    uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

    uint8_t questions_kept = 0;
    DnsQuestion questions[kMaxQuestionsKept];

    // Response summary for detectors (answer section only unless noted).
    // Fields from here on are reset per message; their order leaves no
    // padding between them, so the reset is a few wide stores.
    uint16_t answers_decoded = 0;
    uint16_t answer_a = 0, answer_aaaa = 0, answer_ptr = 0, answer_soa = 0, answer_ns = 0;
    uint16_t edns_udp_size = 0;
    bool chaos_txt_answer = false;   // TXT in class CH answered (version disclosed)
    bool has_edns = false, edns_do = false;
    uint8_t edns_version = 0;

    uint16_t forward_pointers = 0;   // legal but unusual; counted in the kept (expanded) names
    // Set when the question decoded but a later section is corrupt: the
    // question is still reported (a corrupt additional must not hide it).
    Malformed section_error = Malformed::none;

    bool qr() const { return flags & 0x8000; }
    uint8_t opcode() const { return uint8_t(flags >> 11 & 0x0F); }
    bool aa() const { return flags & 0x0400; }
    bool tc() const { return flags & 0x0200; }
    bool rd() const { return flags & 0x0100; }
    bool ra() const { return flags & 0x0080; }
    bool z() const { return flags & 0x0040; }
    bool ad() const { return flags & 0x0020; }
    bool cd() const { return flags & 0x0010; }
};

// Decodes msg. Returns none when at least the header and every question kept
// are valid; otherwise the reason.
Malformed decode_dns(std::span<const uint8_t> msg, DnsMessage& out);

// Writes name bytes escaped for JSON/TSV (printable ASCII kept, '\\', '"', tab,
// newline and non-printables as \DDD as in RFC 1035 presentation format).
// Returns the number of chars written (truncates at cap).
std::size_t escape_name(std::string_view name, char* out, std::size_t cap);

// The mnemonic of rcodes 0-5 (RFC 1035: NOERROR ... REFUSED); "" for others.
constexpr std::string_view rcode_name(uint16_t rcode) {
    constexpr std::string_view names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    return rcode < std::size(names) ? names[rcode] : std::string_view{};
}

} // namespace recontap::dns
