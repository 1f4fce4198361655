// recontapd: the management daemon. Parses flags and configuration, wires
// signals to a signalfd, and hands over to mgmt::Daemon.
#include "config/config.hpp"
#include "mgmt/daemon.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr const char* kUsage =
    "usage: recontapd [-c CONF] [-l LOGDIR] [--once] [--shm NAME] [--socket PATH] [--watchlist FILE]\n"
    "  -c CONF        configuration file (default: built-in defaults)\n"
    "  -l LOGDIR      folder for eve.json (overrides [mgmt] logdir)\n"
    "  --once         exit 0 once a data plane finished its input and every detection is written\n"
    "  --shm NAME     shared-memory region (overrides [mgmt] shm)\n"
    "  --socket PATH  control socket (overrides [mgmt] socket)\n"
    "  --watchlist FILE  where the analysts' watchlist is kept (overrides [mgmt] watchlist_file)\n";

struct Args {
    std::string config, logdir, shm, socket, watchlist;
    bool once = false;
};

// False on bad usage (message printed).
bool parse_args(int argc, char** argv, Args& out) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= argc) {
                std::cerr << "recontapd: " << a << " needs a value\n" << kUsage;
                return false;
            }
            into = argv[++i];
            if (into.empty()) {
                // An empty value would quietly mean "the default".
                std::cerr << "recontapd: " << a << " needs a value, not an empty string\n";
                return false;
            }
            return true;
        };
        if (a == "-c" || a == "--config") {
            if (!value(out.config)) return false;
        } else if (a == "-l" || a == "--logdir") {
            if (!value(out.logdir)) return false;
        } else if (a == "--shm") {
            if (!value(out.shm)) return false;
        } else if (a == "--socket") {
            if (!value(out.socket)) return false;
        } else if (a == "--watchlist") {
            if (!value(out.watchlist)) return false;
        } else if (a == "--once") {
            out.once = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            std::exit(0);
        } else {
            std::cerr << "recontapd: unknown argument '" << a << "'\n" << kUsage;
            return false;
        }
    }
    if (const char* problem = out.shm.empty() ? nullptr : recontap::config::shm_name_problem(out.shm)) {
        std::cerr << "recontapd: --shm " << out.shm << ": " << problem << "\n";
        return false;
    }
    return true;
}

// SIGTERM/SIGINT (stop) and SIGHUP (reopen eve.json) become readable events
// on a descriptor the loop polls.
int daemon_signal_fd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

} // namespace

int main(int argc, char** argv) {
    using namespace recontap;
    Args args;
    if (!parse_args(argc, argv, args)) return 2;
    config::Config cfg;
    try {
        cfg = config::load(args.config);
    } catch (const std::exception& e) {
        std::cerr << "recontapd: " << e.what() << "\n";
        return 2;
    }
    mgmt::DaemonOptions options;
    options.shm_name = args.shm.empty() ? cfg.mgmt.shm : args.shm;
    options.socket_path = args.socket.empty() ? cfg.mgmt.socket : args.socket;
    options.eve_path = (args.logdir.empty() ? cfg.mgmt.logdir : args.logdir) + "/eve.json";
    options.watchlist_path = args.watchlist.empty() ? cfg.mgmt.watchlist_file : args.watchlist;
    options.once = args.once;
    options.detectors = cfg.detectors;
    options.ipv6_client_prefix = cfg.dataplane.ipv6_client_prefix;

    int signal_fd = daemon_signal_fd();
    if (signal_fd < 0) {
        std::cerr << "recontapd: signalfd: " << std::strerror(errno) << "\n";
        return 1;
    }
    mgmt::Daemon daemon(options, std::cerr);
    std::string why;
    if (!daemon.start(why)) { // an unwritable log folder, a bad socket path, a damaged watchlist: bad input
        std::cerr << "recontapd: " << why << "\n";
        return 2;
    }
    std::cerr << "recontapd: serving " << options.socket_path << ", alerts to " << options.eve_path
              << ", waiting for " << options.shm_name << std::endl;
    return daemon.run(signal_fd);
}
