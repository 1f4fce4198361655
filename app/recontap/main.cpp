// recontap: the data plane. Thin: options in, dataplane::run out.
#include "dataplane/pipeline.hpp"

#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
void usage(FILE* to) {
    std::fputs("usage: recontap -r FILE [-c CONF] [-l LOGDIR] [--workers N]   offline run on a capture\n"
               "       recontap [-c CONF] [--workers N]                        live, ports from [[port]]\n"
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
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:c:l:w:h", longopts, nullptr)) != -1) {
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
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "recontap: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    return recontap::dataplane::run(opts);
}
