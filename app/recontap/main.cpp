// recontap: the data plane. Thin: options in, dataplane::run out.
#include "dataplane/bench.hpp"
#include "dataplane/pipeline.hpp"

#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
void usage(FILE* to) {
    std::fputs("usage: recontap -r FILE [-c CONF] [-l LOGDIR] [--workers N]   offline run on a capture\n"
               "       recontap [-c CONF] [--workers N]                        live, ports from [[port]]\n"
               "       recontap --bench S [--bench-per-worker] | --bench-stages R | --bench-spray N ...  for perf/bench\n"
               "Alerts go to LOGDIR/eve.json (via recontapd), final counters to LOGDIR/stats.json.\n",
               to);
}
} // namespace

int main(int argc, char** argv) {
    recontap::dataplane::RunOptions opts;
    opts.self_exe = argv[0];
    static const option longopts[] = {{"read", required_argument, nullptr, 'r'},
                                      {"config", required_argument, nullptr, 'c'},
                                      {"logdir", required_argument, nullptr, 'l'},
                                      {"workers", required_argument, nullptr, 'w'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {"bench", required_argument, nullptr, 'B'},
                                      {"bench-stages", required_argument, nullptr, 'S'},
                                      {"bench-spray", required_argument, nullptr, 'P'},
                                      {"bench-per-worker", no_argument, nullptr, 'Q'},
                                      {nullptr, 0, nullptr, 0}};
    recontap::dataplane::BenchOptions bench;
    char bench_mode = 0;
    int c;
    while ((c = getopt_long(argc, argv, "r:c:l:w:h", longopts, nullptr)) != -1) {
        if ((c == 'r' || c == 'c' || c == 'l') && *optarg == '\0') {
            // An empty path would quietly mean "the default" (or no capture: a live run).
            std::fprintf(stderr, "recontap: -%c needs a path, not an empty string\n", c);
            return 2;
        }
        switch (c) {
        case 'r': opts.capture = optarg; break;
        case 'c': opts.config_path = optarg; break;
        case 'l': opts.logdir = optarg; break;
        case 'w': {
            char* end = nullptr;
            long n = std::strtol(optarg, &end, 10);
            if (!end || *end || n < 1 || n > 64) {
                std::fprintf(stderr, "recontap: --workers must be a number 1..64, not '%s'\n", optarg);
                return 2;
            }
            opts.workers = unsigned(n);
            break;
        }
        case 'B': bench.seconds = std::strtod(optarg, nullptr), bench_mode = 'B'; break;
        case 'S': bench.repeat = unsigned(std::strtoul(optarg, nullptr, 10)), bench_mode = 'S'; break;
        case 'P': bench.spray_sources = std::strtoull(optarg, nullptr, 10), bench_mode = 'P'; break;
        case 'Q': bench.per_worker_queues = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "recontap: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (bench_mode) {
        if (!(bench.seconds > 0) || bench.repeat == 0 || (bench_mode == 'P' && bench.spray_sources == 0)) {
            std::fputs("recontap: --bench, --bench-stages and --bench-spray take a positive number\n", stderr);
            return 2;
        }
        bench.capture = opts.capture, bench.config_path = opts.config_path, bench.workers = opts.workers;
        bench.self_exe = opts.self_exe;
        if (bench_mode == 'B') return recontap::dataplane::bench_dataplane(bench);
        if (bench_mode == 'S') return recontap::dataplane::bench_stages(bench);
        return recontap::dataplane::bench_spray(bench);
    }
    return recontap::dataplane::run(opts);
}
