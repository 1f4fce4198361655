// From captured frames to DNS messages: link/IP/transport decoding, IP
// fragment reassembly, the port filter and DNS-over-TCP reassembly in one
// per-worker object. recontap-dump, the data plane and the fuzzer share it,
// so they agree on what counts as a DNS message.
#pragma once
#include "dns/ip_reassembly.hpp"
#include "dns/packet.hpp"
#include "dns/tcp_reassembly.hpp"

#include <cstdint>
#include <span>

namespace recontap::dns {

struct ExtractorCounters {
    uint64_t frames = 0;
    uint64_t not_dns = 0;  // other protocols or ports: not an error
    uint64_t rejected = 0; // calls of on_reject: frames, and TCP messages reassembly dropped
};

class MessageExtractor {
public:
    explicit MessageExtractor(DnsPorts ports = {}, TcpReassemblyLimits tcp = {}, IpReassemblyLimits ip = {})
        : ports_(ports), tcp_(tcp), ip_(ip) {}

    // Calls on_message(const PacketView&, std::span<const uint8_t> msg) for
    // every DNS message (a UDP payload or one reassembled TCP message), and
    // on_reject(Malformed, const PacketView&) for frames that fail to decode
    // below DNS (on DNS ports where the ports are known).
    template <class M, class R>
    void feed(std::span<const uint8_t> frame, LinkType link, uint64_t ts_ns, M&& on_message, R&& on_reject) {
        PacketView pkt;
        Malformed m = decode_packet(frame, link, pkt);
        feed_decoded(m, pkt, ts_ns, on_message, on_reject);
    }

    // The same for a frame whose headers were already decoded (decode_packet's
    // verdict m and view pkt), as the data plane's steering stage does.
    template <class M, class R>
    void feed_decoded(Malformed m, const PacketView& pkt, uint64_t ts_ns, M&& on_message, R&& on_reject) {
        ++counters_.frames;
        if (pkt.is_fragment && (m == Malformed::none || m == Malformed::ip_fragment_non_first)) {
            ip_.feed(pkt, ts_ns, [&](Malformed whole_m, const PacketView& whole) {
                transport(whole_m, whole, ts_ns, on_message, on_reject);
            });
            return;
        }
        transport(m, pkt, ts_ns, on_message, on_reject);
    }

    const ExtractorCounters& counters() const { return counters_; }
    const TcpReassemblyCounters& tcp_counters() const { return tcp_.counters(); }
    std::size_t tcp_partial_messages() const { return tcp_.partial_messages(); }
    IpReassemblyCounters ip_counters() const { return ip_.counters(); }
    const DnsPorts& ports() const { return ports_; }

private:
    template <class M, class R>
    void transport(Malformed m, const PacketView& pkt, uint64_t ts_ns, M& on_message, R& on_reject) {
        bool ports_known = pkt.sport != 0 || pkt.dport != 0;
        if (m == Malformed::l2_unsupported ||
            (ports_known && !ports_.contains(pkt.sport) && !ports_.contains(pkt.dport))) {
            ++counters_.not_dns;
            return;
        }
        if (m != Malformed::none) {
            reject(m, pkt, on_reject);
            return;
        }
        if (pkt.transport == Transport::udp) {
            on_message(pkt, std::span<const uint8_t>(pkt.payload, pkt.payload_len));
            return;
        }
        // What reassembly had to drop is rejected like any malformed input,
        // so it shows in the malformed counters (stats.json, the CLI).
        const TcpReassemblyCounters& t = tcp_.counters();
        const uint64_t bad_before = t.bad_length, cut_before = t.messages_cut;
        tcp_.feed(pkt, ts_ns, [&](std::span<const uint8_t> msg) { on_message(pkt, msg); });
        for (uint64_t i = cut_before; i < t.messages_cut; ++i) reject(Malformed::tcp_message_cut, pkt, on_reject);
        for (uint64_t i = bad_before; i < t.bad_length; ++i) reject(Malformed::tcp_bad_length, pkt, on_reject);
    }

    template <class R>
    void reject(Malformed m, const PacketView& pkt, R& on_reject) {
        ++counters_.rejected;
        on_reject(m, pkt);
    }

    DnsPorts ports_;
    TcpReassembly tcp_;
    IpReassembly ip_;
    ExtractorCounters counters_;
};

} // namespace recontap::dns
