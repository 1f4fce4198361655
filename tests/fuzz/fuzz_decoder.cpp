// libFuzzer target for the whole decoder: link/IP/transport decoding over
// every link type, IP and TCP reassembly across several frames, DNS message
// decoding and name escaping. Input layout:
//   byte 0        selector: which LinkType (or 9: the rest is one DNS message)
//   bytes 1..     one frame, decoded alone; and the same bytes read as
//                 [len16][frame][len16][frame]... fed in order to an extractor
// Invariants that must hold for any input are checked with __builtin_trap.
#include "dns/extractor.hpp"
#include "dns/message.hpp"

#include <cstddef>
#include <cstdint>

using namespace recontap::dns;

namespace {

constexpr LinkType kLinks[] = {LinkType::null_bsd, LinkType::ethernet, LinkType::fddi,
                               LinkType::raw,      LinkType::loop,     LinkType::linux_sll,
                               LinkType::ipv4,     LinkType::ipv6,     LinkType::linux_sll2};
constexpr std::size_t kSelectors = std::size(kLinks) + 1;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void decode_and_escape(std::span<const uint8_t> msg) {
    DnsMessage m;
    Malformed r = decode_dns(msg, m);
    check(static_cast<std::size_t>(r) < kMalformedCount);
    if (r != Malformed::none) return;
    check(m.questions_kept <= kMaxQuestionsKept && m.questions_kept <= m.qdcount);
    char out[4 * 256];
    for (int i = 0; i < m.questions_kept; ++i) {
        const DnsName& n = m.questions[i].name;
        check(n.len <= 253 && n.labels <= 127);
        check(escape_name(n.view(), out, sizeof out) <= sizeof out);
        check(escape_name(n.view(), out, 7) <= 7);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::size_t selector = data[0] % kSelectors;
    std::span<const uint8_t> rest(data + 1, size - 1);
    if (selector == std::size(kLinks)) {
        decode_and_escape(rest);
        return 0;
    }
    LinkType link = kLinks[selector];

    PacketView pv;
    Malformed r = decode_packet(rest, link, pv);
    if (r == Malformed::none) {
        check(pv.payload >= rest.data() && pv.payload + pv.payload_len <= rest.data() + rest.size());
        decode_and_escape({pv.payload, pv.payload_len});
    }

    // Small tables so that eviction and truncation paths are reached too.
    MessageExtractor ex(DnsPorts{}, TcpReassemblyLimits{4, 64, 1'000'000'000ull},
                        IpReassemblyLimits{4, 512, 1'000'000'000ull});
    uint64_t ts = 0;
    while (rest.size() >= 2) {
        std::size_t len = std::min<std::size_t>(std::size_t(rest[0]) << 8 | rest[1], rest.size() - 2);
        ex.feed(rest.subspan(2, len), link, ts += 400'000'000ull,
                [](const PacketView&, std::span<const uint8_t> msg) { decode_and_escape(msg); },
                [](Malformed, const PacketView&) {});
        rest = rest.subspan(2 + len);
    }
    return 0;
}
