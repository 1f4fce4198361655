#include "dataplane/worker.hpp"

#include "dataplane/steer.hpp"
#include "shm/region.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include <sched.h>

namespace recontap::dataplane {

uint64_t PacketClock::packet_ns(const rte_mbuf* m, uint64_t& local_time_count) const {
    if (dynfield_offset >= 0 && (m->ol_flags & dynflag))
        return *RTE_MBUF_DYNFIELD(m, dynfield_offset, const uint64_t*) * dynfield_unit_ns;
    ++local_time_count;
    return local_now_ns(); // live ports without hardware timestamps
}

uint64_t PacketClock::local_now_ns() const {
    // Whole seconds and the remainder apart: cycles * 1e9 alone overflows
    // 64 bits after about six seconds at 3 GHz.
    uint64_t cycles = rte_rdtsc() - tsc_base;
    return wall_base_ns + cycles / tsc_hz * 1'000'000'000ull + cycles % tsc_hz * 1'000'000'000ull / tsc_hz;
}

Worker::Worker(unsigned index_, const config::Config& cfg, std::shared_ptr<const rules::RuleSet> rules,
               shm::RegionView region, rte_ring* inbox_, dns::LinkType link_, const PacketClock& clock_)
    : inbox(inbox_),
      link(link_),
      ports(cfg.dataplane.dns_ports),
      clock(clock_),
      published(region.counters(index_)),
      index(index_),
      burst_size(cfg.dataplane.burst),
      sink(region.events(index_), counters),
      engine(cfg, std::move(rules), sink, uint8_t(index_), counters),
      extractor(cfg.dataplane.dns_ports) {}

Worker::Worker(unsigned index_, const config::Config& cfg, LiveSettings& live_, shm::RegionView region,
               rte_ring* inbox_, dns::LinkType link_, const PacketClock& clock_)
    : Worker(index_, cfg, live_.published().rules, region, inbox_, link_, clock_) {
    live = &live_;
    const LiveBundle& b = live_.published();
    engine.set_thresholds(b.thresholds);
    live_sequence = b.sequence;
    live_rules_generation = b.rules_generation;
    live_thresholds_generation = b.thresholds_generation;
}

// At a burst boundary, right after this worker's quiescent report: the
// bundle read here stays alive until the next report, and nothing kept from
// it afterwards points into it.
void Worker::follow_live_settings() {
    LiveBundle* b = live->current();
    if (b->sequence == live_sequence) return;
    if (b->rules_generation != live_rules_generation) {
        b->scratch[index] = engine.adopt_rules(b->rules, b->scratch[index]); // old scratch: the bundle frees it
        live_rules_generation = b->rules_generation;
    }
    if (b->thresholds_generation != live_thresholds_generation) {
        engine.set_thresholds(b->thresholds);
        live_thresholds_generation = b->thresholds_generation;
    }
    live_sequence = b->sequence;
}

void Worker::count_malformed(dns::Malformed why) {
    ++counters.malformed[static_cast<std::size_t>(why)];
    ++counters.malformed_total;
}

void Worker::handle_dns(uint64_t ts_ns, const dns::PacketView& pkt, std::span<const uint8_t> message,
                        const detect::SteeredClient* steered) {
    dns::Malformed why = dns::decode_dns(message, msg);
    counters.forward_pointers += msg.forward_pointers;
    if (why != dns::Malformed::none) {
        ++counters.dns_rejected;
        count_malformed(why);
        return;
    }
    if (msg.section_error != dns::Malformed::none) count_malformed(msg.section_error);
    if (timer && timer->sampling) [[unlikely]] {
        uint64_t start = rte_rdtsc();
        engine.observe(ts_ns, pkt, msg, steered);
        timer->engine_cycles += rte_rdtsc() - start;
        return;
    }
    engine.observe(ts_ns, pkt, msg, steered);
}

void Worker::handle(rte_mbuf* m) {
    ++counters.rx_packets;
    counters.rx_bytes += m->pkt_len;
    uint64_t ts_ns = clock.packet_ns(m, counters.packets_local_time);
    counters.last_packet_ns = ts_ns;
    auto reject = [&](dns::Malformed why, const dns::PacketView&) { count_malformed(why); };
    if (m->packet_type == kNotedFrame) { // steering decoded the headers and hashed the client
        const FrameNote& note = frame_note(m);
        const detect::SteeredClient* steered = note.has_client ? &note.client : nullptr;
        extractor.feed_decoded(
            note.why, note.view, ts_ns,
            [&](const dns::PacketView& pkt, std::span<const uint8_t> message) {
                handle_dns(ts_ns, pkt, message, steered);
            },
            reject);
        return;
    }
    const uint8_t* data = m->nb_segs == 1 ? rte_pktmbuf_mtod(m, const uint8_t*)
                                          : static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, linear));
    // Datagrams reassembled by the steering stage arrive as raw IP frames.
    dns::LinkType frame_link = m->packet_type == kReassembledFrame ? dns::LinkType::raw : link;
    extractor.feed(
        {data, m->pkt_len}, frame_link, ts_ns,
        [&](const dns::PacketView& pkt, std::span<const uint8_t> message) { handle_dns(ts_ns, pkt, message, nullptr); },
        reject);
}

void Worker::publish() {
    engine.sync_counters();
    counters.not_dns = extractor.counters().not_dns;
    const dns::TcpReassemblyCounters& t = extractor.tcp_counters();
    counters.tcp_messages = t.messages;
    counters.tcp_seq_gaps = t.seq_gaps;
    counters.tcp_flows_evicted = t.flows_evicted;
    counters.tcp_messages_truncated = t.messages_truncated;
    counters.tcp_no_payload = t.no_payload;
    counters.tcp_partial = extractor.tcp_partial_messages(); // a scan of the flow table: once every ~4096 packets
    published.publish(counters);
}

// Loads run ahead of the packet in hand: the mbuf header and steering note
// kAhead packets ahead, the frame's bytes and its client's table slot (found
// through the note, loaded by then) half as far. The client table is far
// larger than the caches, so the slot is the load most worth starting early.
void Worker::handle_burst(rte_mbuf** burst, unsigned n) {
    constexpr unsigned kAhead = 4, kHalf = kAhead / 2;
    auto prefetch_header = [&](unsigned i) {
        rte_prefetch0(burst[i]);
        rte_prefetch0(&frame_note(burst[i]));
    };
    auto prefetch_body = [&](unsigned i) {
        rte_mbuf* m = burst[i];
        rte_prefetch0(rte_pktmbuf_mtod(m, void*));
        if (m->packet_type == kNotedFrame && frame_note(m).has_client) engine.prefetch_client(frame_note(m).client);
    };
    for (unsigned i = 0; i < n && i < kAhead; ++i) prefetch_header(i);
    for (unsigned i = 0; i < n && i < kHalf; ++i) prefetch_body(i);
    for (unsigned i = 0; i < n; ++i) {
        if (i + kAhead < n) prefetch_header(i + kAhead);
        if (i + kHalf < n) prefetch_body(i + kHalf);
        handle(burst[i]);
    }
}

void Worker::timed_burst(rte_mbuf** burst, unsigned n) {
    uint64_t start = rte_rdtsc();
    handle_burst(burst, n);
    uint64_t handled = rte_rdtsc();
    rte_pktmbuf_free_bulk(burst, n);
    timer->handle_cycles += handled - start;
    timer->free_cycles += rte_rdtsc() - handled;
    timer->sampled_packets += n;
    timer->sampling = false;
}

// per_worker: one burst from each of this worker's queues, steered to
// the owners' inboxes (this worker's own included). Frames read, or 0 once
// finish is set, when it stops reading for good and says so.
unsigned Worker::read_queues(const std::atomic<bool>& finish, bool& reading) {
    if (finish.load(std::memory_order_acquire)) {
        reading = false; // the last burst read has shared its counts already
        receive->stopped->fetch_add(1, std::memory_order_release);
        return 0;
    }
    // Behind on its own inbox: handle first and leave new frames in the
    // port's queue. The load is spread evenly, so the other inboxes are as
    // full: frames read now would be dropped there after the reading and
    // steering were paid for, where the port drops them for free (rx_missed).
    if (rte_ring_free_count(inbox) < burst_size * receive->receivers) return 0;
    rte_mbuf* burst[config::kMaxBurst];
    unsigned got = 0;
    for (const RxQueue& q : receive->queues) {
        uint16_t n = rte_eth_rx_burst(q.port, q.queue, burst, uint16_t(burst_size));
        if (n) receive->steering->dispatch(burst, n);
        got += n;
    }
    // Every burst (two stores to a line only the main lcore reads, each 1 ms):
    // the count of frames read stays ahead of what the owners handle.
    if (got) receive->steering->share_counters();
    return got;
}

// Nothing more can reach the inbox: finish is set (per_worker: and every
// receiving worker has stopped, after its last enqueue).
bool Worker::inputs_done(const std::atomic<bool>& finish, bool reading) const {
    if (!receive) return finish.load(std::memory_order_acquire);
    return !reading && receive->stopped->load(std::memory_order_acquire) == receive->receivers;
}

int Worker::run(const std::atomic<bool>& finish) {
    rte_mbuf* burst[config::kMaxBurst];
    unsigned idle = 0;
    bool reading = receive != nullptr;
    if (live) live->worker_online(index);
    for (;;) {
        if (live) {
            live->quiescent(index);
            follow_live_settings();
        }
        const unsigned read = reading ? read_queues(finish, reading) : 0;
        unsigned n = rte_ring_sc_dequeue_burst(inbox, reinterpret_cast<void**>(burst), burst_size, nullptr);
        if (n == 0) {
            if (read) { // all steered to other workers: busy, not idle
                idle = 0;
                continue;
            }
            if (inputs_done(finish, reading) && rte_ring_empty(inbox)) break;
            if (++idle == 64) { // idle: close a site-volume window that ended, let the CLI see fresh numbers
                if (!clock.packets_carry_time()) engine.advance_clock(clock.local_now_ns());
                publish();
            }
            if (idle > 1024) sched_yield(); // idle path only: share a small machine's cores
            else rte_pause();
            continue;
        }
        idle = 0;
        if (timer && timer->begin_burst()) [[unlikely]]
            timed_burst(burst, n);
        else {
            handle_burst(burst, n);
            rte_pktmbuf_free_bulk(burst, n);
        }
        if ((counters.rx_packets & 0xfff) < n) publish(); // about every 4096 packets
    }
    engine.end_of_input();
    if (live) live->worker_offline(index);
    publish();
    return 0;
}

namespace {
int worker_main(void* arg) {
    auto* l = static_cast<WorkerLaunch*>(arg);
    return l->worker->run(*l->finish);
}
} // namespace

void launch_workers(const std::vector<std::unique_ptr<Worker>>& workers, const std::atomic<bool>& finish,
                    std::vector<WorkerLaunch>& launches) {
    launches.assign(workers.size(), WorkerLaunch{});
    unsigned w = 0, lcore;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (w == workers.size()) break;
        launches[w] = {workers[w].get(), &finish};
        rte_eal_remote_launch(worker_main, &launches[w], lcore);
        ++w;
    }
}

} // namespace recontap::dataplane
