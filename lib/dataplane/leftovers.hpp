// What data-plane runs that were killed (SIGKILL, the OOM killer) before
// they could clean up leave behind: a run's private shared-memory region
// (/dev/shm/recontap-run-PID, 2.9 MB with 1 worker) and its DPDK runtime
// folder (DPDK's run folder /recontap-PID). A run removes those of runs
// whose process is gone when it starts, so repeated kills do not fill
// /dev/shm until the next reboot.
#pragma once
#include <string>
#include <vector>

namespace recontap::dataplane {

// DPDK's runtime folder root for this user: /var/run/dpdk for root, else
// $XDG_RUNTIME_DIR/dpdk, else /tmp/dpdk (as rte_eal_get_runtime_dir picks).
std::string dpdk_runtime_root();

// Removes shm_dir/recontap-run-PID and dpdk_root/recontap-PID for every PID
// that names no live process (not this one); returns the paths removed.
std::vector<std::string> remove_dead_run_leftovers(const std::string& shm_dir, const std::string& dpdk_root);

} // namespace recontap::dataplane
