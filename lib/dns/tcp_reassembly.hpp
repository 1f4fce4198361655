// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): per-worker reassembly of
// length-prefixed messages. Flows are keyed by the directed 4-tuple (a query
// stream and its response stream are separate flows). Memory is fixed at
// construction: max_flows slots × buffer_bytes each (defaults 1024 × 4 KiB
// = 4 MiB per worker); nothing allocates afterwards.
//
// Handles: several messages in one segment (delivered straight from the
// segment, no copy), a message split across segments, a length prefix split
// in two, retransmitted bytes (skipped), sequence gaps (the flow's partial
// message is dropped and the next segment is taken to start a message),
// FIN/RST (flow released), and full tables (least recently used flow in the
// probe window evicted). A message longer than buffer_bytes - 2 is delivered
// as its first buffer_bytes - 2 octets (counted in messages_truncated): the
// header and question, which is what detection needs, are at the front.
#pragma once
#include "dns/flow_table.hpp"
#include "dns/packet.hpp"

#include <cstdint>
#include <span>

namespace recontap::dns {

struct TcpReassemblyLimits {
    uint32_t max_flows = 1024;
    uint32_t buffer_bytes = 4096;
    uint64_t idle_timeout_ns = 60'000'000'000ull; // a flow idle this long may be reused silently
};

struct TcpReassemblyCounters {
    uint64_t segments = 0;           // segments carrying payload
    uint64_t no_payload = 0;         // handshake, ACK, FIN: no message, not an error
    uint64_t messages = 0;           // messages delivered (including truncated ones)
    uint64_t messages_truncated = 0; // longer than the buffer: prefix delivered
    uint64_t flows_created = 0;
    uint64_t flows_closed = 0;       // FIN or RST
    uint64_t flows_evicted = 0;      // table full: an active flow dropped
    uint64_t flows_expired = 0;      // idle flow reused
    uint64_t seq_gaps = 0;           // missing bytes: partial message dropped, resync
    uint64_t retransmissions = 0;    // segments (or parts) already seen
    uint64_t bad_length = 0;         // length prefix < 12: rest of the segment dropped
    uint64_t messages_cut = 0;       // FIN, RST, a new SYN, or the flow idle past the timeout (its slot
                                     // reused) while a message was partly read: dropped
};

class TcpReassembly {
public:
    explicit TcpReassembly(TcpReassemblyLimits limits = {});

    // pkt: a decoded TCP segment (decode_packet returned none, transport tcp).
    // Calls on_message(std::span<const uint8_t>) once per complete DNS
    // message (without its length prefix). The span is valid during the call.
    template <class F>
    void feed(const PacketView& pkt, uint64_t ts_ns, F&& on_message) {
        FunctionRef<void(std::span<const uint8_t>)> sink(on_message);
        feed_impl(pkt, ts_ns, sink);
    }

    const TcpReassemblyCounters& counters() const { return counters_; }
    std::size_t active_flows() const { return table_.active(); }
    // Messages begun and not yet whole (at the end of input: never to be).
    std::size_t partial_messages() const {
        return table_.count_used_if([](const Flow& f) { return f.consumed > 0 || f.held_len > 0; });
    }

private:
    struct Flow {
        FlowKey key;
        bool used = false;
        uint64_t last_ts = 0;
        uint32_t next_seq = 0;
        uint32_t msg_len = 0;  // valid once consumed >= 2
        uint32_t consumed = 0; // octets of the current framed message seen, prefix included
        uint32_t stored = 0;   // octets of it kept in the flow buffer
        // One segment that came ahead of a gap, held (in the slot's second
        // half) until the gap fills: swapped segments are common in flight,
        // and taking the early one as a message start lost the connection.
        uint32_t held_seq = 0;
        uint32_t held_len = 0;
    };
    using Sink = FunctionRef<void(std::span<const uint8_t>)>;
    void feed_impl(const PacketView& pkt, uint64_t ts_ns, Sink& sink);
    void consume(Flow& flow, const uint8_t* data, std::size_t len, Sink& sink);
    // Consumes the held segment if the stream has reached it; with give_up,
    // the bytes still missing before it are lost and the stream resumes there.
    void release_held(Flow& flow, Sink& sink, bool give_up);
    Flow* claim(const FlowKey& key, uint64_t ts_ns);

    TcpReassemblyLimits limits_;
    uint32_t message_cap_; // a slot's buffer: the message being rebuilt, then as much for the held segment
    SlotTable<Flow> table_;
    TcpReassemblyCounters counters_;
};

} // namespace recontap::dns
