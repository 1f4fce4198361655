#include "dataplane/steer.hpp"


#include <rte_pause.h>

#include <cstring>

namespace recontap::dataplane {

namespace {
constexpr std::size_t kMaxFrame = 65535 + 64; // an IP datagram's most, and link headers
} // namespace

Steering::Steering(std::vector<rte_ring*> inboxes, dns::LinkType link, dns::DnsPorts ports, bool lossless,
                   rte_mempool* pool, const PacketClock& clock, unsigned ipv6_prefix, uint64_t hash_seed)
    : inboxes_(std::move(inboxes)), link_(link), ports_(ports), lossless_(lossless), ipv6_prefix_(ipv6_prefix),
      hash_seed_(hash_seed),
      pool_(pool), clock_(clock), staged_(inboxes_.size()), linear_(kMaxFrame) {
    // A dispatch stages at most its frames plus the datagrams they complete.
    for (auto& s : staged_) s.reserve(2 * config::kMaxBurst);
}

unsigned Steering::worker_for(const FrameNote& note) {
    unsigned n = unsigned(inboxes_.size());
    if (n == 1) return 0;
    if (!note.has_client) return unsigned(round_robin_++ % n); // not DNS or malformed: any worker counts it
    return unsigned((note.client.ref.hash >> 32) % n);
}

// A raw IPv4/IPv6 + UDP or TCP frame around the reassembled payload, so the
// worker decodes it with the same code as every other frame (a TCP segment
// keeps its sequence number and flags for the worker's TCP reassembly).
// Chained mbufs carry datagrams larger than one data room.
rte_mbuf* Steering::datagram_frame(const dns::PacketView& whole, const rte_mbuf* last_fragment) {
    const bool tcp = whole.transport == dns::Transport::tcp;
    uint8_t hdr[60] = {};
    const unsigned l4_header = tcp ? 20 : 8;
    const uint32_t l4_len = l4_header + whole.payload_len;
    const uint8_t proto = tcp ? 6 : 17;
    unsigned ip_len;
    if (whole.src.family == 4) {
        ip_len = 20;
        hdr[0] = 0x45;
        hdr[2] = uint8_t((20 + l4_len) >> 8), hdr[3] = uint8_t(20 + l4_len);
        hdr[8] = 64, hdr[9] = proto;
        std::memcpy(hdr + 12, whole.src.bytes, 4);
        std::memcpy(hdr + 16, whole.dst.bytes, 4);
    } else {
        ip_len = 40;
        hdr[0] = 0x60;
        hdr[4] = uint8_t(l4_len >> 8), hdr[5] = uint8_t(l4_len);
        hdr[6] = proto, hdr[7] = 64;
        std::memcpy(hdr + 8, whole.src.bytes, 16);
        std::memcpy(hdr + 24, whole.dst.bytes, 16);
    }
    uint8_t* l4 = hdr + ip_len;
    l4[0] = uint8_t(whole.sport >> 8), l4[1] = uint8_t(whole.sport);
    l4[2] = uint8_t(whole.dport >> 8), l4[3] = uint8_t(whole.dport);
    if (tcp) {
        for (int i = 0; i < 4; ++i) l4[4 + i] = uint8_t(whole.tcp_seq >> (24 - 8 * i));
        l4[12] = 5 << 4; // 20-octet header: the options are not needed past here
        l4[13] = whole.tcp_flags;
        l4[14] = l4[15] = 0xFF;
    } else {
        l4[4] = uint8_t(l4_len >> 8), l4[5] = uint8_t(l4_len);
    }

    rte_mbuf* head = rte_pktmbuf_alloc(pool_);
    if (!head) return nullptr;
    const uint8_t* parts[2] = {hdr, whole.payload};
    uint32_t lens[2] = {ip_len + l4_header, whole.payload_len};
    rte_mbuf* seg = head;
    for (int i = 0; i < 2; ++i) {
        uint32_t done = 0;
        while (done < lens[i]) {
            uint16_t room = rte_pktmbuf_tailroom(seg);
            if (room == 0) {
                rte_mbuf* next = rte_pktmbuf_alloc(pool_);
                if (!next || rte_pktmbuf_chain(head, next) != 0) {
                    if (next) rte_pktmbuf_free(next);
                    rte_pktmbuf_free(head);
                    return nullptr;
                }
                seg = next;
                continue;
            }
            uint32_t take = std::min<uint32_t>(room, lens[i] - done);
            std::memcpy(rte_pktmbuf_mtod_offset(seg, uint8_t*, seg->data_len), parts[i] + done, take);
            seg->data_len = uint16_t(seg->data_len + take);
            head->pkt_len += take;
            done += take;
        }
    }
    head->packet_type = kReassembledFrame;
    // Keep the capture timestamp of the fragment that completed the datagram.
    head->ol_flags |= last_fragment->ol_flags;
    std::memcpy(&head->dynfield1, &last_fragment->dynfield1, sizeof head->dynfield1);
    return head;
}

SteeringCounters& SteeringCounters::operator+=(const SteeringCounters& o) {
    frames += o.frames;
    drops += o.drops;
    fragments += o.fragments;
    datagrams += o.datagrams;
    datagram_drops += o.datagram_drops;
    return *this;
}

void Steering::stage(rte_mbuf* m, unsigned worker) { staged_[worker].push_back(m); }

void Steering::dispatch(rte_mbuf** pkts, unsigned n) {
    counters_.frames += n;
    FrameNote scratch; // for frames whose mbuf has no room for a note
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        // A chained frame's note would point into linear_, which the next
        // frame reuses: its worker reads it linearised and decodes again.
        bool noted = m->nb_segs == 1 && m->priv_size >= sizeof(FrameNote);
        FrameNote& note = noted ? frame_note(m) : scratch;
        std::span<const uint8_t> frame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
        if (m->nb_segs > 1) {
            // A jumbo frame in chained mbufs, read whole: a fragment's data
            // past the first segment would otherwise look cut short, and the
            // datagram be lost as a bad fragment.
            const uint32_t len = std::min<uint32_t>(m->pkt_len, uint32_t(linear_.size()));
            frame = {static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, linear_.data())), len};
        }
        note_frame(frame, link_, ports_, ipv6_prefix_, note, hash_seed_);
        const dns::PacketView& p = note.view;
        if (p.is_fragment && (note.why == dns::Malformed::none || note.why == dns::Malformed::ip_fragment_non_first)) {
            ++counters_.fragments;
            fragments_.feed(p, clock_.packet_ns(m, local_time_packets_), [&](dns::Malformed whole_why, const dns::PacketView& whole) {
                rte_mbuf* frame = whole_why == dns::Malformed::none ? datagram_frame(whole, m) : nullptr;
                if (!frame) {
                    ++counters_.datagram_drops;
                    return;
                }
                ++counters_.datagrams;
                FrameNote whole_note;
                whole_note.has_client = steer_client(whole, ports_, ipv6_prefix_, whole_note.client, hash_seed_);
                stage(frame, worker_for(whole_note));
            });
            rte_pktmbuf_free(m);
            continue;
        }
        m->packet_type = noted ? kNotedFrame : 0;
        stage(m, worker_for(note));
    }
    for (std::size_t w = 0; w < staged_.size(); ++w) {
        auto& s = staged_[w];
        unsigned done = 0;
        while (done < s.size()) {
            // The ring's own producer mode: single (one Steering) or multi (per_worker).
            done += rte_ring_enqueue_burst(inboxes_[w], reinterpret_cast<void* const*>(s.data() + done),
                                           unsigned(s.size()) - done, nullptr);
            if (done == s.size()) break;
            if (!lossless_) {
                counters_.drops += s.size() - done;
                rte_pktmbuf_free_bulk(s.data() + done, unsigned(s.size()) - done);
                break;
            }
            rte_pause();
        }
        s.clear();
    }
}

} // namespace recontap::dataplane
