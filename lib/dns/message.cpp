// DNS message decoding. Names follow RFC 9267: every pointer target is
// checked, pointer chains are bounded, labels ≤ 63, names ≤ 255 wire octets,
// and no byte past the span is read.
//
// Cost: only the names that are kept (the first kMaxQuestionsKept questions)
// are expanded through their pointers, at most 255 label octets plus
// kMaxPointerHops hops each. Every other name (later questions, record
// owners) is skipped in place: its labels are checked, its final pointer's
// target is range-checked but not followed. Following them all would let a
// 9 KB message of 1400 pointers into one 128-hop chain cost about 1 ms
// (measured) instead of a few microseconds.
#include "dns/message.hpp"

#include "dns/wire.hpp"

#include <cstring>

namespace recontap::dns {
namespace {

constexpr std::size_t kHeaderLen = 12;
constexpr std::size_t kMaxWireName = 255;
// A legal name has at most 127 labels; allowing one pointer per label plus
// slack keeps real (long ip6.arpa, pointer-to-pointer) names decodable.
constexpr int kMaxPointerHops = 128;
// How much of a run of labels the name reader copies before checking it.
constexpr std::size_t kEagerCopy = 32;

constexpr uint16_t kTypeA = 1, kTypeNs = 2, kTypeSoa = 6, kTypePtr = 12, kTypeTxt = 16,
                   kTypeAaaa = 28, kTypeOpt = 41;
constexpr uint16_t kClassChaos = 3;
constexpr uint16_t kOptionClientSubnet = 8;

struct NameResult {
    Malformed error = Malformed::none;
    std::size_t next = 0; // offset just after the name in the record being read
};

// A compression pointer at pos (top bits 11): its target, checked to be
// inside the message and after the header. One check for both name readers.
Malformed pointer_target(const uint8_t* msg, std::size_t n, std::size_t pos, std::size_t& target) {
    if (pos + 1 >= n) return Malformed::name_truncated;
    target = std::size_t(msg[pos] & 0x3F) << 8 | msg[pos + 1];
    if (target < kHeaderLen) return Malformed::name_pointer_into_header;
    if (target >= n) return Malformed::name_truncated;
    return Malformed::none;
}

// Copies len bytes with fixed-size moves instead of a memcpy call (the call
// made the inlined name reader spill its registers around it). Reads and
// writes exactly [0, len): the last move of each size overlaps the one before.
inline void copy_bytes(char* dst, const uint8_t* src, std::size_t len) {
    if (len >= 16) {
        for (std::size_t i = 0; i + 16 < len; i += 16) std::memcpy(dst + i, src + i, 16);
        std::memcpy(dst + len - 16, src + len - 16, 16);
    } else if (len >= 8) {
        std::memcpy(dst, src, 8);
        std::memcpy(dst + len - 8, src + len - 8, 8);
    } else if (len >= 4) {
        std::memcpy(dst, src, 4);
        std::memcpy(dst + len - 4, src + len - 4, 4);
    } else if (len != 0) {
        dst[0] = char(src[0]);
        dst[len / 2] = char(src[len / 2]);
        dst[len - 1] = char(src[len - 1]);
    }
}

// A name is read run by run: a run is the labels stored contiguously in
// place, from the name's start or a pointer's target up to a root octet or
// a pointer. A run is copied at once and its length octets become the '.'
// separators (a memcpy per label was most of the reader's cost on names of
// 3-4 short labels).
//
// read_run checks the run at pos (pos < n: the start, or a pointer target
// checked to be inside) and appends it to name->text[0, text_len); on
// success pos is at the octet that ends the run, not yet looked at.
inline Malformed read_run(const uint8_t* msg, std::size_t n, std::size_t& pos, DnsName* name,
                          std::size_t& text_len, unsigned& labels) {
    const std::size_t run = pos;
    // Wire octets so far, the final root octet included: each separator in
    // the text stands for a length octet, plus the first one (text_len is 0
    // until the first label: labels are never empty).
    const std::size_t wire_len = text_len == 0 ? 1 : text_len + 2;
    // Within a run both limits are positions: a label ending at or past
    // `stop` either makes the name longer than 255 octets (checked first, as
    // a label at a time would) or leaves no octet after it.
    const std::size_t too_long_at = run + (kMaxWireName + 1 - wire_len);
    const std::size_t stop = too_long_at < n ? too_long_at : n;
    // The run is copied before its labels are checked, as far as the span
    // and the length limit allow but at most kEagerCopy octets (most names
    // fit), so the label loop can turn each next length octet into a dot as
    // it goes. out[i] stands for msg[from + i]; the first label of the name
    // has no separator before it, so its length octet is not copied. Octets
    // copied past the run's end, and the dot written on the octet that ends
    // it, lie past the name's text: name->len bounds it. Every write is to
    // out[0, stop - from), and text_len + stop - from <= 254.
    const std::size_t from = text_len == 0 ? run + 1 : run;
    char* out = name->text + text_len;
    const std::size_t eager = stop - from < kEagerCopy ? stop - from : kEagerCopy;
    copy_bytes(out, msg + from, eager);
    std::size_t c = msg[pos];
    while (c - 1 < 63) { // a label of 1..63 octets
        pos += 1 + c;
        if (pos >= stop) return pos >= too_long_at ? Malformed::name_too_long : Malformed::name_truncated;
        ++labels;
        c = msg[pos];
        out[pos - from] = '.';
    }
    if (pos == run) return Malformed::none;
    if (text_len != 0) out[0] = '.'; // the run's first length octet, after earlier labels
    const std::size_t len = pos - from;
    if (len > eager) {
        // A longer run: copied whole now, then each copied length octet
        // (it says where the next one is) becomes a dot.
        copy_bytes(out, msg + from, len);
        for (char *dot = out + (text_len == 0 ? msg[run] : 0), *end = out + len; dot < end;) {
            std::size_t label = uint8_t(*dot);
            *dot = '.';
            dot += 1 + label;
        }
    }
    text_len += len;
    return Malformed::none;
}

// The rest of a name whose first run (from `run`) ends at pos with
// something other than the root octet: pointers are followed run by run.
// Kept out of line: names in questions are rarely compressed, and the
// pointer state would crowd the registers of the common path.
[[gnu::noinline]] NameResult follow_pointers(const uint8_t* msg, std::size_t n, std::size_t run, std::size_t pos,
                                             DnsName* name, std::size_t text_len, unsigned labels,
                                             uint16_t& forward_pointers) {
    const std::size_t next = pos + 2; // after the first pointer: where the record continues
    int hops = 0;
    for (;;) {
        uint8_t c = msg[pos];
        if (c == 0) break;
        if ((c & 0xC0) != 0xC0) return {Malformed::name_bad_label_type};
        std::size_t target;
        if (Malformed m = pointer_target(msg, n, pos, target); m != Malformed::none) return {m};
        if (++hops > kMaxPointerHops) return {Malformed::name_pointer_loop};
        // A target inside the run just read (or on the pointer) would loop.
        if (target >= run && target <= pos) return {Malformed::name_pointer_loop};
        if (target > pos) ++forward_pointers;
        // Other jumps (into regions seen earlier by a forward jump) are
        // bounded by the hop limit and the name length.
        pos = run = target;
        if (Malformed m = read_run(msg, n, pos, name, text_len, labels); m != Malformed::none) return {m};
    }
    name->len = uint16_t(text_len);
    name->labels = uint8_t(labels);
    return {Malformed::none, next};
}

// Reads and expands the name at `start` (callers pass start < n) into `name`.
NameResult read_name(const uint8_t* msg, std::size_t n, std::size_t start, DnsName* name,
                     uint16_t& forward_pointers) {
    std::size_t pos = start;
    std::size_t text_len = 0;
    unsigned labels = 0;
    if (Malformed m = read_run(msg, n, pos, name, text_len, labels); m != Malformed::none) return {m};
    if (msg[pos] != 0) return follow_pointers(msg, n, start, pos, name, text_len, labels, forward_pointers);
    name->len = uint16_t(text_len);
    name->labels = uint8_t(labels);
    return {Malformed::none, pos + 1};
}

// A name's final pointer at pos when the name is skipped, not followed: it
// must land after the header, inside the message and not on itself.
NameResult skip_pointer(const uint8_t* msg, std::size_t n, std::size_t pos) {
    std::size_t target;
    if (Malformed m = pointer_target(msg, n, pos, target); m != Malformed::none) return {m};
    if (target == pos) return {Malformed::name_pointer_loop};
    return {Malformed::none, pos + 2};
}

// Finds where the name at `pos` ends without following its pointer: labels
// in place are checked (type, length, bounds), a final pointer as above.
NameResult skip_labels(const uint8_t* msg, std::size_t n, std::size_t pos) {
    std::size_t wire_len = 1;
    for (;;) {
        if (pos >= n) return {Malformed::name_truncated};
        uint8_t c = msg[pos];
        uint8_t kind = c & 0xC0;
        if (kind == 0xC0) return skip_pointer(msg, n, pos);
        if (kind != 0) return {Malformed::name_bad_label_type};
        if (c == 0) return {Malformed::none, pos + 1};
        wire_len += std::size_t(c) + 1;
        if (wire_len > kMaxWireName) return {Malformed::name_too_long};
        pos += 1 + std::size_t(c);
    }
}

// skip_labels for pos < n, with the common record owners settled without a
// call: a single pointer (answers) or the root (OPT).
inline NameResult skip_name(const uint8_t* msg, std::size_t n, std::size_t pos) {
    const uint8_t c = msg[pos];
    if (c >= 0xC0) return skip_pointer(msg, n, pos);
    if (c == 0) return {Malformed::none, pos + 1};
    return skip_labels(msg, n, pos);
}

struct Record {
    uint16_t type, rclass;
    uint32_t ttl;
    std::size_t rdata, rdlength;
};

// Reads one resource record at pos; on success pos moves past it.
Malformed read_record(const uint8_t* msg, std::size_t n, std::size_t& pos, Record& rr) {
    if (pos >= n) return Malformed::dns_count_overflow;
    NameResult owner = skip_name(msg, n, pos);
    if (owner.error != Malformed::none) return owner.error;
    std::size_t p = owner.next;
    if (p + 10 > n) return Malformed::rr_truncated;
    rr.type = rd16(msg + p);
    rr.rclass = rd16(msg + p + 2);
    rr.ttl = rd32(msg + p + 4);
    rr.rdlength = rd16(msg + p + 8);
    rr.rdata = p + 10;
    if (rr.rdata + rr.rdlength > n) return Malformed::rr_truncated;
    pos = rr.rdata + rr.rdlength;
    return Malformed::none;
}

// TXT RDATA is a sequence of <length><octets> strings that must end exactly
// at RDLENGTH (a string past it is the classic over-read).
bool txt_strings_fit(const uint8_t* msg, const Record& rr) {
    std::size_t p = rr.rdata, end = rr.rdata + rr.rdlength;
    while (p < end) p += 1 + std::size_t(msg[p]);
    return p == end;
}

Malformed count_answer(const uint8_t* msg, const Record& rr, DnsMessage& out) {
    if (rr.type == kTypeTxt && !txt_strings_fit(msg, rr)) return Malformed::rr_truncated;
    ++out.answers_decoded;
    switch (rr.type) {
    case kTypeA: out.answer_a += rr.rdlength == 4; break;
    case kTypeAaaa: out.answer_aaaa += rr.rdlength == 16; break;
    case kTypePtr: ++out.answer_ptr; break;
    case kTypeSoa: ++out.answer_soa; break;
    case kTypeNs: ++out.answer_ns; break;
    case kTypeTxt: out.chaos_txt_answer |= rr.rclass == kClassChaos; break;
    default: break;
    }
    return Malformed::none;
}

// RFC 7871 client subnet: family 1 (IPv4) or 2 (IPv6), source prefix within
// the family's width, and exactly the address octets the prefix needs.
bool ecs_valid(const uint8_t* opt, std::size_t len) {
    if (len < 4) return false;
    uint16_t family = rd16(opt);
    std::size_t width = family == 1 ? 32 : family == 2 ? 128 : 0;
    std::size_t prefix = opt[2];
    return width != 0 && prefix <= width && len - 4 == (prefix + 7) / 8;
}

// RFC 6891 OPT: class = UDP payload size, TTL = extended rcode, version, flags.
Malformed read_opt(const uint8_t* msg, const Record& rr, DnsMessage& out) {
    out.has_edns = true;
    out.edns_udp_size = rr.rclass;
    out.rcode = uint16_t(out.rcode | ((rr.ttl >> 24) & 0xFF) << 4);
    out.edns_version = uint8_t(rr.ttl >> 16);
    out.edns_do = (rr.ttl & 0x8000) != 0;
    std::size_t p = rr.rdata, end = rr.rdata + rr.rdlength;
    while (p < end) {
        if (p + 4 > end) return Malformed::edns_bad_option;
        uint16_t code = rd16(msg + p);
        std::size_t len = rd16(msg + p + 2);
        p += 4;
        if (p + len > end) return Malformed::edns_bad_option;
        if (code == kOptionClientSubnet && !ecs_valid(msg + p, len)) return Malformed::edns_bad_option;
        p += len;
    }
    return Malformed::none;
}

void reset(DnsMessage& out) {
    out.questions_kept = 0;
    out.answers_decoded = 0;
    out.answer_a = out.answer_aaaa = out.answer_ptr = out.answer_soa = out.answer_ns = 0;
    out.chaos_txt_answer = out.has_edns = out.edns_do = false;
    out.edns_udp_size = 0;
    out.edns_version = 0;
    out.forward_pointers = 0;
    out.section_error = Malformed::none;
}

// Reads question i at pos; on success pos moves past it and, for the first
// kMaxQuestionsKept, the question is stored and counted in questions_kept.
inline Malformed read_question(const uint8_t* msg, std::size_t n, std::size_t& pos, uint32_t i, DnsMessage& out) {
    if (pos >= n) return Malformed::dns_count_overflow;
    if (i >= uint32_t(kMaxQuestionsKept)) {
        NameResult r = skip_name(msg, n, pos);
        if (r.error != Malformed::none) return r.error;
        if (r.next + 4 > n) return Malformed::dns_question_truncated;
        pos = r.next + 4;
        return Malformed::none;
    }
    DnsQuestion& q = out.questions[i];
    NameResult r = read_name(msg, n, pos, &q.name, out.forward_pointers);
    if (r.error != Malformed::none) return r.error;
    if (r.next + 4 > n) return Malformed::dns_question_truncated;
    q.qtype = rd16(msg + r.next);
    q.qclass = rd16(msg + r.next + 2);
    out.questions_kept = uint8_t(i + 1);
    pos = r.next + 4;
    return Malformed::none;
}

// Answer, authority and additional sections: fills the summary and EDNS.
// Any error here is a section error: the header and questions stand.
// The sections are read as one sequence of records (a query has none).
Malformed read_sections(const uint8_t* msg, std::size_t n, std::size_t pos, DnsMessage& out) {
    const uint32_t answers = out.ancount;
    const uint32_t records = answers + out.nscount + out.arcount;
    for (uint32_t i = 0; i < records; ++i) {
        Record rr;
        Malformed m = read_record(msg, n, pos, rr);
        if (m != Malformed::none) return m;
        if (i < answers) m = count_answer(msg, rr, out);
        else if (rr.type == kTypeOpt && !out.has_edns) m = read_opt(msg, rr, out);
        if (m != Malformed::none) return m;
    }
    return Malformed::none;
}

} // namespace

Malformed decode_dns(std::span<const uint8_t> span, DnsMessage& out) {
    reset(out);
    const uint8_t* msg = span.data();
    std::size_t n = span.size();
    if (n < kHeaderLen) return Malformed::dns_short_header;
    out.id = rd16(msg);
    out.flags = rd16(msg + 2);
    out.rcode = out.flags & 0x0F;
    out.qdcount = rd16(msg + 4);
    out.ancount = rd16(msg + 6);
    out.nscount = rd16(msg + 8);
    out.arcount = rd16(msg + 10);

    const uint32_t qdcount = out.qdcount;
    std::size_t pos = kHeaderLen;
    for (uint32_t i = 0; i < qdcount; ++i) {
        if (Malformed m = read_question(msg, n, pos, i, out); m != Malformed::none) {
            // A bad first question rejects the message; a bad later one
            // leaves the earlier questions reported with a section error.
            if (i == 0) return m;
            out.section_error = m;
            return Malformed::none;
        }
    }
    out.section_error = read_sections(msg, n, pos, out);
    return Malformed::none;
}

std::size_t escape_name(std::string_view name, char* out, std::size_t cap) {
    std::size_t w = 0;
    for (unsigned char c : name) {
        bool plain = c >= 0x20 && c < 0x7F && c != '\\' && c != '"';
        std::size_t need = plain ? 1 : 4;
        if (w + need > cap) break;
        if (plain) {
            out[w++] = char(c);
        } else {
            out[w++] = '\\';
            out[w++] = char('0' + c / 100);
            out[w++] = char('0' + c / 10 % 10);
            out[w++] = char('0' + c % 10);
        }
    }
    return w;
}

} // namespace recontap::dns
