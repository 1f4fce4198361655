// One run of the data plane, from options to exit status: configuration,
// rules, shared memory, EAL and ports, workers, the receive-and-steer loop on
// the main lcore, and the hand-over to recontapd at the end of a capture.
#pragma once
#include <string>

namespace recontap::dataplane {

struct RunOptions {
    std::string capture;      // -r FILE: offline run through net_pcap
    std::string config_path;  // -c CONF ("" = defaults)
    std::string logdir;       // -l LOGDIR ("" = [mgmt] logdir)
    unsigned workers = 0;     // --workers N (0 = [dataplane] workers)
    std::string self_exe;     // argv[0], to find recontapd beside it
};

// Exit status: 0 done, 1 runtime failure (e.g. detections undelivered),
// 2 bad input (capture, config, rules, options). Errors are one line on stderr.
int run(const RunOptions& opts);

} // namespace recontap::dataplane
