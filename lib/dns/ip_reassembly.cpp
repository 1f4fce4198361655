#include "dns/ip_reassembly.hpp"

#include <algorithm>
#include <cstring>

namespace recontap::dns {

IpReassembly::IpReassembly(IpReassemblyLimits limits)
    : limits_{limits.max_datagrams, std::min<uint32_t>(limits.max_datagram_bytes, 65535), limits.timeout_ns},
      bitmap_bytes_((limits_.max_datagram_bytes + 63) / 64),
      table_(limits_.max_datagrams, bitmap_bytes_ + limits_.max_datagram_bytes) {}

void IpReassembly::feed_impl(const PacketView& pkt, uint64_t ts_ns, Sink& sink) {
    ++counters_.fragments;
    FlowKey key{pkt.src, pkt.dst, pkt.frag_id, pkt.ip_proto};
    SlotOutcome outcome;
    Datagram* d = table_.find_or_claim(key, ts_ns, limits_.timeout_ns, outcome);
    if (outcome == SlotOutcome::evicted) ++counters_.evicted;
    if (outcome == SlotOutcome::reused_expired) ++counters_.expired;
    if (outcome == SlotOutcome::found && ts_ns - d->last_ts > limits_.timeout_ns && ts_ns > d->last_ts) {
        // The same key after the timeout is another datagram (IP ids wrap):
        // the old one expired, and its bytes must not fill this one's gaps.
        ++counters_.expired;
        *d = Datagram{};
        d->used = true;
        d->key = key;
        outcome = SlotOutcome::reused_expired;
    }
    uint8_t* bitmap = table_.buffer(*d);
    uint8_t* bytes = bitmap + bitmap_bytes_;
    if (outcome != SlotOutcome::found) std::memset(bitmap, 0, bitmap_bytes_);
    d->last_ts = ts_ns;

    std::size_t offset = pkt.frag_offset, len = pkt.ip_payload_len;
    if (offset + len > limits_.max_datagram_bytes) {
        ++counters_.too_big;
        table_.release(*d);
        return;
    }
    // A fragment past the end, whichever arrives first: held blocks past
    // the end would otherwise count towards completion, and a datagram
    // missing its start would be handed on with another one's bytes there.
    bool bad = (pkt.frag_more && len % 8 != 0) || (d->last_seen && offset + len > d->total) ||
               (!pkt.frag_more && d->last_seen && offset + len != d->total) ||
               (!pkt.frag_more && d->max_end > offset + len);
    if (bad) {
        ++counters_.bad_fragment;
        table_.release(*d);
        return;
    }
    if (!pkt.frag_more) {
        d->last_seen = true;
        d->total = uint32_t(offset + len);
    }
    d->max_end = std::max<uint32_t>(d->max_end, uint32_t(offset + len));
    std::memcpy(bytes + offset, pkt.ip_payload, len);
    for (std::size_t block = offset / 8; block < (offset + len + 7) / 8; ++block) {
        uint8_t bit = uint8_t(1u << (block % 8));
        if (!(bitmap[block / 8] & bit)) {
            bitmap[block / 8] |= bit;
            ++d->blocks_covered;
        }
    }
    if (!d->last_seen || d->blocks_covered != (d->total + 7) / 8) return;

    PacketView whole;
    whole.src = pkt.src;
    whole.dst = pkt.dst;
    whole.vlan_depth = pkt.vlan_depth;
    whole.frag_id = pkt.frag_id;
    // An IPv6 datagram may start with extension headers (those after the
    // Fragment header): walked here, over the whole.
    std::size_t l4 = 0;
    uint8_t proto = pkt.ip_proto;
    const std::span<const uint8_t> datagram(bytes, d->total);
    Malformed m = pkt.src.family == 6 ? skip_ipv6_extensions(datagram, l4, proto) : Malformed::none;
    whole.ip_proto = proto;
    if (m == Malformed::none)
        m = decode_transport(proto, datagram.subspan(l4), uint32_t(d->total - l4), whole);
    ++counters_.datagrams;
    sink(m, whole);
    table_.release(*d);
}

} // namespace recontap::dns
