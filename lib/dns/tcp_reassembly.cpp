#include "dns/tcp_reassembly.hpp"

#include "dns/wire.hpp"

#include <algorithm>
#include <cstring>

namespace recontap::dns {
namespace {
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04;
constexpr uint32_t kMinMessage = 12; // a DNS header
} // namespace

TcpReassembly::TcpReassembly(TcpReassemblyLimits limits)
    : limits_(limits), message_cap_(std::max<uint32_t>(limits.buffer_bytes, 2 + kMinMessage)),
      table_(limits.max_flows, 2 * std::size_t(message_cap_)) {}

void TcpReassembly::release_held(Flow& f, Sink& sink, bool give_up) {
    if (f.held_len == 0) return;
    const int32_t ahead = int32_t(f.held_seq - f.next_seq);
    if (ahead > 0 && !give_up) return; // the gap before it is still open
    if (ahead > 0) { // the missing bytes are lost: resume at the held segment
        ++counters_.seq_gaps;
        f.consumed = f.stored = 0;
        f.next_seq = f.held_seq;
    }
    const uint32_t skip = uint32_t(f.next_seq - f.held_seq), held = f.held_len;
    f.held_len = 0;
    if (skip >= held) return; // all of it came again in order
    f.next_seq = f.held_seq + held;
    consume(f, table_.buffer(f) + message_cap_ + skip, held - skip, sink);
}

TcpReassembly::Flow* TcpReassembly::claim(const FlowKey& key, uint64_t ts_ns) {
    SlotOutcome outcome;
    bool had_partial = false;
    Flow* f = table_.find_or_claim(key, ts_ns, limits_.idle_timeout_ns, outcome,
                                   [&](const Flow& old) { had_partial = old.consumed > 0 || old.held_len > 0; });
    if (outcome == SlotOutcome::created) ++counters_.flows_created;
    if (outcome == SlotOutcome::evicted) ++counters_.flows_created, ++counters_.flows_evicted; // a drop already
    if (outcome == SlotOutcome::reused_expired) {
        ++counters_.flows_created, ++counters_.flows_expired;
        if (had_partial) ++counters_.messages_cut; // idle past the timeout mid-message: it never finished
    }
    return f;
}

void TcpReassembly::feed_impl(const PacketView& pkt, uint64_t ts_ns, Sink& sink) {
    FlowKey key{pkt.src, pkt.dst, pkt.sport, pkt.dport};
    uint32_t seq = pkt.tcp_seq;
    Flow* flow = nullptr;
    if (pkt.tcp_flags & kSyn) {
        flow = claim(key, ts_ns);
        if (flow->consumed > 0) ++counters_.messages_cut; // the 4-tuple's earlier connection ended mid-message
        flow->consumed = flow->stored = flow->held_len = 0;
        ++seq; // SYN occupies one sequence number; data in the SYN follows it
        flow->next_seq = seq;
    }
    if (pkt.payload_len > 0) {
        ++counters_.segments;
        if (!flow) flow = table_.find(key);
        if (!flow) { // mid-stream start: assume the segment begins a message
            flow = claim(key, ts_ns);
            flow->next_seq = seq;
        }
        flow->last_ts = ts_ns;
        const uint8_t* data = pkt.payload;
        std::size_t len = pkt.payload_len;
        int32_t delta = int32_t(seq - flow->next_seq);
        if (delta > 0 && flow->held_len == 0 && len <= message_cap_) {
            // Ahead of a gap: held until the gap fills (or the next segment
            // past it shows the missing bytes lost).
            std::memcpy(table_.buffer(*flow) + message_cap_, data, len);
            flow->held_seq = seq;
            flow->held_len = uint32_t(len);
            len = 0;
        } else if (delta > 0) {
            release_held(*flow, sink, true); // a second segment past the gap: resume at the held one
            delta = int32_t(seq - flow->next_seq);
            if (delta > 0) { // and past that too: resume here
                ++counters_.seq_gaps;
                flow->consumed = flow->stored = 0;
                flow->next_seq = seq;
                delta = 0;
            }
        }
        if (delta < 0) {
            ++counters_.retransmissions;
            std::size_t seen = std::size_t(-int64_t(delta));
            data += std::min(seen, len);
            len -= std::min(seen, len);
            seq += uint32_t(std::min(seen, std::size_t(pkt.payload_len)));
        }
        if (len > 0) {
            flow->next_seq = seq + uint32_t(len);
            consume(*flow, data, len, sink);
            release_held(*flow, sink, false);
        }
    } else {
        ++counters_.no_payload;
    }
    if (pkt.tcp_flags & (kFin | kRst)) {
        if (!flow) flow = table_.find(key);
        if (flow) {
            release_held(*flow, sink, true); // its gap will not fill now: what it holds is delivered
            if (flow->consumed > 0) ++counters_.messages_cut;
            table_.release(*flow);
            ++counters_.flows_closed;
        }
    }
}

void TcpReassembly::consume(Flow& f, const uint8_t* data, std::size_t len, Sink& sink) {
    uint8_t* buf = table_.buffer(f);
    const std::size_t cap = message_cap_;
    while (len > 0) {
        if (f.consumed == 0 && len >= 2) {
            uint32_t msg_len = rd16(data);
            if (msg_len < kMinMessage) break;
            if (len >= 2 + std::size_t(msg_len)) { // whole message in this segment: no copy
                ++counters_.messages;
                sink(std::span<const uint8_t>(data + 2, msg_len));
                data += 2 + msg_len;
                len -= 2 + msg_len;
                continue;
            }
        }
        if (f.consumed < 2) { // length prefix, possibly split across segments
            buf[f.stored++] = *data++;
            --len;
            if (++f.consumed == 2) {
                f.msg_len = rd16(buf);
                if (f.msg_len < kMinMessage) break;
            }
            continue;
        }
        std::size_t take = std::min<std::size_t>(2 + f.msg_len - f.consumed, len);
        std::size_t keep = std::min(take, cap - f.stored);
        std::memcpy(buf + f.stored, data, keep);
        f.stored += uint32_t(keep);
        f.consumed += uint32_t(take);
        data += take;
        len -= take;
        if (f.consumed == 2 + f.msg_len) {
            ++counters_.messages;
            if (f.stored < f.consumed) ++counters_.messages_truncated;
            sink(std::span<const uint8_t>(buf + 2, f.stored - 2));
            f.consumed = f.stored = 0;
        }
    }
    if (len > 0 || (f.consumed >= 2 && f.msg_len < kMinMessage)) {
        // Only a bad length prefix stops the loop early: the stream is out of
        // step, so drop what is left; the next segment is taken to start a message.
        ++counters_.bad_length;
        f.consumed = f.stored = 0;
    }
}

} // namespace recontap::dns
