// Bounded reassembly of fragmented IPv4/IPv6 datagrams (large UDP DNS
// responses fragment; so do the captures in ../shared/pcaps). Per worker,
// memory fixed at construction: max_datagrams slots × max_datagram_bytes
// (defaults 64 × 16 KiB = 1 MiB). A datagram larger than a slot, or a slot
// evicted by newer datagrams, is dropped and counted; fragments are placed by
// offset (a later copy of the same bytes wins), completeness is tracked in
// 8-octet blocks.
#pragma once
#include "dns/flow_table.hpp"
#include "dns/packet.hpp"

#include <cstdint>
#include <span>

namespace recontap::dns {

struct IpReassemblyLimits {
    uint32_t max_datagrams = 64;
    uint32_t max_datagram_bytes = 16384;
    uint64_t timeout_ns = 30'000'000'000ull;
};

struct IpReassemblyCounters {
    uint64_t fragments = 0;
    uint64_t datagrams = 0;        // reassembled and handed on
    uint64_t too_big = 0;          // datagram larger than a slot: dropped
    uint64_t bad_fragment = 0;     // non-final fragment not a multiple of 8, data past the end, or a
                                   // whole datagram whose headers do not decode (IPv6 extensions)
    uint64_t evicted = 0;          // incomplete datagram pushed out by newer ones
    uint64_t expired = 0;          // incomplete datagram timed out
    uint64_t unfinished = 0;       // incomplete, still held (at the end of input: never to complete)
    IpReassemblyCounters& operator+=(const IpReassemblyCounters& o) {
        fragments += o.fragments, datagrams += o.datagrams, too_big += o.too_big;
        bad_fragment += o.bad_fragment, evicted += o.evicted, expired += o.expired, unfinished += o.unfinished;
        return *this;
    }
};

class IpReassembly {
public:
    explicit IpReassembly(IpReassemblyLimits limits = {});

    // pkt: a fragment (pkt.is_fragment; decode_packet returned none with
    // fragmented=true, or ip_fragment_non_first). When the datagram is
    // complete, calls on_datagram(Malformed, const PacketView&) with the
    // transport decoded over the whole datagram (payload valid during the call).
    template <class F>
    void feed(const PacketView& pkt, uint64_t ts_ns, F&& on_datagram) {
        FunctionRef<void(Malformed, const PacketView&)> sink(on_datagram);
        feed_impl(pkt, ts_ns, sink);
    }

    IpReassemblyCounters counters() const {
        IpReassemblyCounters c = counters_;
        c.unfinished = pending();
        return c;
    }
    std::size_t pending() const { return table_.active(); }

private:
    struct Datagram {
        FlowKey key;
        bool used = false;
        bool last_seen = false;
        uint64_t last_ts = 0;
        uint32_t total = 0;         // known once the last fragment arrived
        uint32_t max_end = 0;       // end of the furthest fragment held
        uint32_t blocks_covered = 0;
    };
    using Sink = FunctionRef<void(Malformed, const PacketView&)>;
    void feed_impl(const PacketView& pkt, uint64_t ts_ns, Sink& sink);

    IpReassemblyLimits limits_;
    std::size_t bitmap_bytes_;
    SlotTable<Datagram> table_; // each slot's buffer: bitmap, then datagram bytes
    IpReassemblyCounters counters_;
};

} // namespace recontap::dns
