// The data plane's side of the management link: find a running recontapd
// for this instance, or start one for the run, and wait until it has
// delivered every detection (DESIGN.md: either process may start first).
#pragma once
#include "shm/region.hpp"

#include <sys/types.h>

#include <atomic>

#include <string>

namespace recontap::dataplane {

// True when something accepts connections on the UNIX socket path.
bool daemon_listening(const std::string& socket_path);

// Starts `recontapd` (found beside this program or on PATH) for one run.
// Returns its pid; throws std::runtime_error when it cannot be started.
pid_t spawn_daemon(const std::string& self_exe, const std::string& config_path, const std::string& logdir,
                   const std::string& shm_name, const std::string& socket_path);

// Records pushed for this boot that the daemon has not acknowledged.
uint64_t records_unacknowledged(const shm::Region& region);

struct DeliveryWait {
    uint64_t undelivered = 0; // records still not acknowledged (0 = all delivered)
    bool abandoned = false;   // a signal came during the wait
    bool daemon_exited = false; // the run's own recontapd exited first
};

// Waits until the daemon acknowledges every record pushed for this boot, or
// timeout_s passes, or the spawned daemon (pid > 0) exits, or `signals`
// (SIGINT/SIGTERM/SIGHUP counted by the program) passes signals_seen (1 when
// a signal stopped the input, else 0): an operator who signals again wants
// to leave now. When the wait lasts over a second it says on stderr what it
// waits for and how to stop it. Keeps the data plane's heartbeat going, so
// the daemon does not take the wait for a stale data plane.
DeliveryWait wait_delivered(const shm::Region& region, pid_t spawned, unsigned timeout_s,
                            const std::atomic<unsigned>& signals, unsigned signals_seen);

// Ends this run's own recontapd (pid from spawn_daemon) and reaps it: waits
// up to grace_s for it to leave by itself, then SIGTERM (it saves and
// acknowledges what it took), then after 5 s SIGKILL, said on stderr. A
// signal arriving meanwhile (`signals` goes up) cuts the current wait short.
// A pid already reaped is left alone.
void stop_daemon(pid_t pid, unsigned grace_s, const std::atomic<unsigned>& signals);

} // namespace recontap::dataplane
