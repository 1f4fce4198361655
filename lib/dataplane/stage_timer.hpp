// Benchmark-only TSC samples of where a worker's time goes (perf/bench).
// One burst in kSampleEvery is timed, so the rdtsc calls cost next to
// nothing and do not distort the rate they measure. Owned by one worker;
// read by the main lcore only after the workers have stopped.
#pragma once
#include <cstdint>

namespace recontap::dataplane {

struct alignas(64) StageTimer {
    static constexpr unsigned kSampleEvery = 64;

    uint64_t bursts = 0;
    bool sampling = false;        // the burst being handled is timed
    uint64_t sampled_packets = 0; // packets in timed bursts
    uint64_t handle_cycles = 0;   // whole per-packet work of timed bursts (decode + engine)
    uint64_t engine_cycles = 0;   // of which Engine::observe (classify + count + detect)
    uint64_t free_cycles = 0;     // mbuf free of timed bursts

    bool begin_burst() { return sampling = (++bursts % kSampleEvery == 0); }
};

} // namespace recontap::dataplane
