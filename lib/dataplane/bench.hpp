// Benchmark modes of recontap, driven by perf/bench (not tests, not for
// production use). Each prints one JSON object on stdout and returns an exit
// status as dataplane::run does (0 done, 1 runtime failure, 2 bad input).
#pragma once
#include <cstdint>
#include <string>

namespace recontap::dataplane {

struct BenchOptions {
    std::string capture;     // -r FILE
    std::string config_path; // -c CONF ("" = defaults)
    unsigned workers = 0;    // 0 = [dataplane] workers
    double seconds = 5;      // per measurement
    unsigned repeat = 3;     // offline passes over the capture
    uint64_t spray_sources = 0;
    bool per_worker_queues = false; // --bench: rx_queues = "per_worker", the capture on every worker's queue
    std::string self_exe;
};

// One EAL, one `net_pcap,infinite_rx=1` port over the capture: (a) a bare
// receive-and-free loop for `seconds`, then (b) the full pipeline (rx, steer,
// workers) for `seconds`, with TSC samples of the workers' stages.
// per_worker_queues: the port has one queue a worker, each replaying the
// whole capture; (a) is every worker lcore's bare loop on its queue at once,
// (b) the workers reading and steering themselves.
int bench_dataplane(const BenchOptions& opts);

// No DPDK: the capture in memory, run through cumulative stages (decode;
// + classify; + count; full engine), `repeat` times each, ns per packet of
// each. The pass functions are named bench_pass_* for callgrind.
int bench_stages(const BenchOptions& opts);

// No DPDK: `spray_sources` queries from as many distinct IPv4 sources through
// one worker's decoder and engine; resident size against the table budget.
int bench_spray(const BenchOptions& opts);

} // namespace recontap::dataplane
