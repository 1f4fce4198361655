#include "dataplane/steer.hpp"

#include "detect/direction.hpp"
#include "state/client_table.hpp"

#include <rte_pause.h>

#include <cstring>

namespace recontap::dataplane {

Steering::Steering(std::vector<rte_ring*> inboxes, dns::LinkType link, dns::DnsPorts ports, bool lossless,
                   unsigned ipv6_prefix)
    : inboxes_(std::move(inboxes)), link_(link), ports_(ports), lossless_(lossless), ipv6_prefix_(ipv6_prefix),
      staged_(inboxes_.size()) {
    for (auto& s : staged_) s.reserve(kBurst);
}

unsigned Steering::worker_for(const rte_mbuf* m) {
    unsigned n = unsigned(inboxes_.size());
    if (n == 1) return 0;
    dns::PacketView p;
    // Headers sit in the first segment; a frame cut there just fails to decode.
    auto why = dns::decode_packet({rte_pktmbuf_mtod(m, const uint8_t*), m->data_len}, link_, p);
    if (why != dns::Malformed::none || (!ports_.contains(p.sport) && !ports_.contains(p.dport)))
        return unsigned(round_robin_++ % n); // not DNS or malformed: any worker counts it
    bool src = detect::client_is_source(p, ports_, detect::peek_qr(p));
    state::ClientKey k = state::ClientTable::make_key(src ? p.src : p.dst, ipv6_prefix_);
    uint64_t a, b;
    std::memcpy(&a, k.bytes, 8);
    std::memcpy(&b, k.bytes + 8, 8);
    uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 31;
    return unsigned(h % n);
}

void Steering::dispatch(rte_mbuf** pkts, unsigned n) {
    for (unsigned i = 0; i < n; ++i) staged_[worker_for(pkts[i])].push_back(pkts[i]);
    for (std::size_t w = 0; w < staged_.size(); ++w) {
        auto& s = staged_[w];
        unsigned done = 0;
        while (done < s.size()) {
            done += rte_ring_sp_enqueue_burst(inboxes_[w], reinterpret_cast<void* const*>(s.data() + done),
                                              unsigned(s.size()) - done, nullptr);
            if (done == s.size()) break;
            if (!lossless_) {
                drops_ += s.size() - done;
                rte_pktmbuf_free_bulk(s.data() + done, unsigned(s.size()) - done);
                break;
            }
            rte_pause();
        }
        s.clear();
    }
}

} // namespace recontap::dataplane
