// perf/bench's measurements without DPDK: where a worker's time goes, stage
// by stage, over a capture held in memory (also what callgrind counts), and
// the resident size of a worker under a spray of distinct sources.
#include "dataplane/bench.hpp"

#include "config/config.hpp"
#include "dataplane/capture_file.hpp"
#include "dataplane/frame_note.hpp"
#include "detect/direction.hpp"
#include "detect/engine.hpp"
#include "dns/extractor.hpp"
#include "dns/message.hpp"
#include "rules/rules.hpp"

#include <nlohmann/json.hpp>
#include <pcap/pcap.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace recontap::dataplane {

namespace {

struct Frames {
    std::vector<uint8_t> bytes;
    std::vector<uint32_t> offsets{0}; // frame i is bytes[offsets[i], offsets[i+1])
    std::vector<uint64_t> ts_ns;
    dns::LinkType link = dns::LinkType::ethernet;
    std::size_t size() const { return ts_ns.size(); }
    std::span<const uint8_t> frame(std::size_t i) const {
        return {bytes.data() + offsets[i], offsets[i + 1] - offsets[i]};
    }
};

Frames load_frames(const std::string& path) {
    Frames f;
    f.link = scan_capture(path).link;
    char err[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> p(pcap_open_offline(path.c_str(), err), pcap_close);
    if (!p) throw std::runtime_error(path + ": " + err);
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(p.get(), &h, &data) == 1) {
        f.bytes.insert(f.bytes.end(), data, data + h->caplen);
        f.offsets.push_back(uint32_t(f.bytes.size()));
        f.ts_ns.push_back(uint64_t(h->ts.tv_sec) * 1'000'000'000ull + uint64_t(h->ts.tv_usec) * 1000ull);
    }
    return f;
}

class CountingSink final : public detect::DetectionSink {
public:
    void emit(const shm::DetectionRecord&) override { ++emitted; }
    uint64_t emitted = 0;
};

struct Loaded {
    config::Config cfg;
    std::shared_ptr<const rules::RuleSet> rules;
};

Loaded load_config(const BenchOptions& opts) {
    Loaded l;
    l.cfg = config::load(opts.config_path);
    l.rules = rules::RuleSet::load(config::resolve_rules_path(l.cfg, l.cfg.rules.pdns),
                                   config::resolve_rules_path(l.cfg, l.cfg.rules.sensitive));
    return l;
}

// Cumulative stages: each pass does everything the one before does, plus its
// own stage; the differences are the stages' costs. `checksum` keeps the
// compiler from dropping work whose result is otherwise unused.
// run_worker below is the pipeline's split of the whole: the main lcore's
// steering notes, then everything a worker does with them.
enum class Stage { decode, classify, count };

// The count pass loads each client's slot two frames ahead, from the
// steering notes, as the worker does: without it the pass waited for memory
// on every lookup and came out slower than the whole worker.
template <Stage S>
uint64_t run_stages(const Frames& f, const config::Config& cfg, const rules::Matcher* matcher,
                    state::ClientTable* clients, const std::vector<FrameNote>* notes) {
    dns::MessageExtractor extractor(cfg.dataplane.dns_ports);
    dns::DnsMessage msg{};
    uint64_t checksum = 0;
    constexpr std::size_t kAhead = 2;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if constexpr (S == Stage::count)
            if (i + kAhead < f.size() && (*notes)[i + kAhead].has_client)
                clients->prefetch((*notes)[i + kAhead].client.ref.hash);
        extractor.feed(
            f.frame(i), f.link, f.ts_ns[i],
            [&](const dns::PacketView& pkt, std::span<const uint8_t> message) {
                if (dns::decode_dns(message, msg) != dns::Malformed::none) return;
                checksum += msg.questions_kept;
                if constexpr (S == Stage::decode) return;
                if (!msg.qr() && msg.questions_kept) checksum += matcher->match(msg.questions[0].name.view()).categories;
                if constexpr (S == Stage::classify) return;
                bool created = false;
                bool src = detect::client_is_source(pkt, cfg.dataplane.dns_ports, msg.qr());
                checksum += clients->find_or_insert(src ? pkt.src : pkt.dst, f.ts_ns[i], created).queries;
            },
            [&](dns::Malformed, const dns::PacketView&) { ++checksum; });
    }
    return checksum;
}

[[gnu::noinline]] uint64_t bench_pass_decode(const Frames& f, const config::Config& cfg, const rules::Matcher& m) {
    return run_stages<Stage::decode>(f, cfg, &m, nullptr, nullptr);
}
[[gnu::noinline]] uint64_t bench_pass_classify(const Frames& f, const config::Config& cfg, const rules::Matcher& m) {
    return run_stages<Stage::classify>(f, cfg, &m, nullptr, nullptr);
}
[[gnu::noinline]] uint64_t bench_pass_count(const Frames& f, const config::Config& cfg, const rules::Matcher& m,
                                            state::ClientTable& clients, const std::vector<FrameNote>& notes) {
    return run_stages<Stage::count>(f, cfg, &m, &clients, &notes);
}
// The main lcore's per-frame work in the pipeline (Steering::dispatch
// without the rings): headers decoded, client picked, keyed and hashed.
[[gnu::noinline]] void bench_pass_steer(const Frames& f, const config::Config& cfg, std::vector<FrameNote>& notes) {
    for (std::size_t i = 0; i < f.size(); ++i)
        note_frame(f.frame(i), f.link, cfg.dataplane.dns_ports, cfg.dataplane.ipv6_client_prefix, notes[i]);
}

// A worker's per-frame work as Worker::handle_burst does it: from the
// steering notes, the client's slot loaded two frames ahead. Inlined into
// each pass below, so every pass is one function callgrind counts alone.
[[gnu::always_inline]] inline uint64_t engine_frames(const Frames& f, const std::vector<FrameNote>& notes,
                                                     const config::Config& cfg, detect::Engine& engine) {
    dns::MessageExtractor extractor(cfg.dataplane.dns_ports);
    dns::DnsMessage msg{};
    uint64_t rejected = 0;
    constexpr std::size_t kAhead = 2;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (i + kAhead < f.size() && notes[i + kAhead].has_client) engine.prefetch_client(notes[i + kAhead].client);
        const FrameNote& note = notes[i];
        extractor.feed_decoded(
            note.why, note.view, f.ts_ns[i],
            [&](const dns::PacketView& pkt, std::span<const uint8_t> message) {
                if (dns::decode_dns(message, msg) == dns::Malformed::none)
                    engine.observe(f.ts_ns[i], pkt, msg, note.has_client ? &note.client : nullptr);
            },
            [&](dns::Malformed, const dns::PacketView&) { ++rejected; });
    }
    return rejected;
}

// The worker over a fresh table (the capture's clients arrive) ...
[[gnu::noipa]] uint64_t bench_pass_engine(const Frames& f, const std::vector<FrameNote>& notes,
                                          const config::Config& cfg, detect::Engine& engine) {
    return engine_frames(f, notes, cfg, engine);
}
// ... the untimed pass that fills a table for the next one ... (noipa: the
// three are the same code, which the linker would otherwise fold into one
// symbol, and callgrind could not tell them apart)
[[gnu::noipa]] uint64_t fill_table(const Frames& f, const std::vector<FrameNote>& notes, const config::Config& cfg,
                                   detect::Engine& engine) {
    return engine_frames(f, notes, cfg, engine);
}
// ... and the worker over that filled table: a tap's steady state.
[[gnu::noipa]] uint64_t bench_pass_engine_warm(const Frames& f, const std::vector<FrameNote>& notes,
                                               const config::Config& cfg, detect::Engine& engine) {
    return engine_frames(f, notes, cfg, engine);
}

// Mean ns per packet of `pass` over `repeat` runs; `setup` (fresh state,
// untimed) runs before each so a warm table does not hide the inserts.
template <class Setup, class Pass>
double ns_per_packet(std::size_t packets, unsigned repeat, Setup&& setup, Pass&& pass) {
    uint64_t results = 0;
    std::chrono::steady_clock::duration spent{};
    for (unsigned r = 0; r < repeat; ++r) {
        setup();
        auto start = std::chrono::steady_clock::now();
        results += pass();
        spent += std::chrono::steady_clock::now() - start;
    }
    volatile uint64_t observed = results; // the passes' results are used: nothing is optimised away
    (void)observed;
    return std::chrono::duration<double, std::nano>(spent).count() / double(packets) / repeat;
}

// A "Name:   N kB" line of a /proc/self file, in KiB (0 if absent).
uint64_t proc_kib(const char* file, const std::string& name) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name, 0) == 0) return std::stoull(line.substr(name.size()));
    return 0;
}
uint64_t resident_kib() { return proc_kib("/proc/self/status", "VmRSS:"); }
// Memory the kernel gave as transparent huge pages (the client table asks).
uint64_t huge_kib() { return proc_kib("/proc/self/smaps_rollup", "AnonHugePages:"); }

} // namespace

int bench_stages(const BenchOptions& opts) {
    Loaded l;
    Frames f;
    try {
        l = load_config(opts);
        f = load_frames(opts.capture);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        return 2;
    }
    const unsigned repeat = opts.repeat ? opts.repeat : 1;
    rules::Matcher matcher(l.rules);
    shm::WorkerCountersData counters{};
    CountingSink sink;
    auto nothing = [] {};
    double decode = ns_per_packet(f.size(), repeat, nothing, [&] { return bench_pass_decode(f, l.cfg, matcher); });
    double classify = ns_per_packet(f.size(), repeat, nothing, [&] { return bench_pass_classify(f, l.cfg, matcher); });
    // Steering first: the count pass prefetches from its notes.
    std::vector<FrameNote> notes(f.size());
    double steer = ns_per_packet(f.size(), repeat, nothing, [&] {
        bench_pass_steer(f, l.cfg, notes);
        return notes.back().has_client;
    });
    std::unique_ptr<state::ClientTable> clients;
    double count = ns_per_packet(
        f.size(), repeat,
        [&] {
            clients = std::make_unique<state::ClientTable>(l.cfg.dataplane.clients_per_worker,
                                                           l.cfg.dataplane.ipv6_client_prefix);
        },
        [&] { return bench_pass_count(f, l.cfg, matcher, *clients, notes); });
    std::unique_ptr<detect::Engine> engine;
    double worker = ns_per_packet(
        f.size(), repeat,
        [&] {
            engine.reset(); // one table at a time
            engine = std::make_unique<detect::Engine>(l.cfg, l.rules, sink, 0, counters);
        },
        [&] { return bench_pass_engine(f, notes, l.cfg, *engine); });
    const std::size_t clients_active = engine->clients().active();
    const uint64_t clients_evicted = engine->clients().evictions();
    const uint64_t verdict_misses = engine->verdict_misses();
    // The same pass again over a table the capture has already filled: the
    // clients are known, as in a tap's steady state (and in --bench, whose
    // infinite_rx source replays the capture).
    shm::WorkerCountersData warm_counters{};
    uint64_t warm_misses_before = 0;
    CountingSink warm_sink;
    double worker_warm = ns_per_packet(
        f.size(), repeat,
        [&] {
            engine.reset();
            engine = std::make_unique<detect::Engine>(l.cfg, l.rules, warm_sink, 0, warm_counters);
            fill_table(f, notes, l.cfg, *engine);
        },
        [&] {
            warm_misses_before = engine->verdict_misses();
            return bench_pass_engine_warm(f, notes, l.cfg, *engine);
        });
    const uint64_t warm_verdict_misses = engine->verdict_misses() - warm_misses_before;
    double full = steer + worker;
    nlohmann::json out{{"packets", f.size()},
                       {"messages", (counters.dns_queries + counters.dns_responses) / repeat},
                       {"repeat", repeat},
                       {"detections", sink.emitted / repeat},
                       {"ns_per_packet",
                        {{"decode", decode},
                         {"classify", classify - decode},
                         {"count", count - classify},
                         {"detect", full - count},
                         {"total", full},
                         {"steer", steer},
                         {"worker", worker},
                         {"worker_warm", worker_warm}}},
                       {"huge_pages_kib", huge_kib()},
                       {"clients_active", clients_active},
                       {"clients_evicted", clients_evicted},
                       // Names not found in the verdict cache, in one worker pass and in the warm one.
                       {"verdict_misses", verdict_misses},
                       {"verdict_misses_warm", warm_verdict_misses}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

int bench_spray(const BenchOptions& opts) {
    Loaded l;
    try {
        l = load_config(opts);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recontap: %s\n", e.what());
        return 2;
    }
    // One IPv4/UDP query for "www.example.com" A, Ethernet framed; only the
    // source address changes from packet to packet.
    static const uint8_t question[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    std::vector<uint8_t> frame(14 + 20 + 8 + 12 + sizeof question, 0);
    frame[12] = 0x08;
    uint8_t* ip = frame.data() + 14;
    ip[0] = 0x45;
    ip[2] = uint8_t((frame.size() - 14) >> 8), ip[3] = uint8_t(frame.size() - 14);
    ip[8] = 64, ip[9] = 17;
    ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 53;
    uint8_t* udp = ip + 20;
    udp[0] = 0xc0, udp[1] = 0x00, udp[3] = 53;
    udp[4] = uint8_t((frame.size() - 34) >> 8), udp[5] = uint8_t(frame.size() - 34);
    uint8_t* dns_hdr = udp + 8;
    dns_hdr[2] = 0x01, dns_hdr[5] = 1;
    std::memcpy(dns_hdr + 12, question, sizeof question);

    const uint64_t before_kib = resident_kib();
    shm::WorkerCountersData counters{};
    CountingSink sink;
    detect::Engine engine(l.cfg, l.rules, sink, 0, counters);
    dns::MessageExtractor extractor(l.cfg.dataplane.dns_ports);
    dns::DnsMessage msg{};
    const uint64_t built_kib = resident_kib();
    uint64_t ts = 1'700'000'000'000'000'000ull;
    auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < opts.spray_sources; ++i) {
        uint32_t src = 0x0b000000u + uint32_t(i); // 11.0.0.0 onwards: outside every private range
        ip[12] = uint8_t(src >> 24), ip[13] = uint8_t(src >> 16), ip[14] = uint8_t(src >> 8), ip[15] = uint8_t(src);
        ts += 1000;
        extractor.feed(
            frame, dns::LinkType::ethernet, ts,
            [&](const dns::PacketView& pkt, std::span<const uint8_t> message) {
                if (dns::decode_dns(message, msg) == dns::Malformed::none) engine.observe(ts, pkt, msg);
            },
            [&](dns::Malformed, const dns::PacketView&) {});
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const uint64_t after_kib = resident_kib();
    const uint64_t budget = engine.clients().memory_bytes();
    nlohmann::json out{{"sources", opts.spray_sources},
                       {"clients_per_worker", engine.clients().capacity()},
                       {"table_budget_bytes", budget},
                       {"rss_before_kib", before_kib},
                       {"rss_engine_built_kib", built_kib},
                       {"rss_after_kib", after_kib},
                       {"rss_growth_bytes", (after_kib - before_kib) * 1024},
                       {"within_budget", (after_kib - before_kib) * 1024 <= budget + (8u << 20)},
                       {"clients_active", engine.clients().active()},
                       {"clients_evicted", engine.clients().evictions()},
                       {"queries_counted", counters.dns_queries},
                       {"mpps", double(opts.spray_sources) / seconds / 1e6}};
    std::printf("%s\n", out.dump().c_str());
    return out["within_budget"].get<bool>() ? 0 : 1;
}

} // namespace recontap::dataplane
