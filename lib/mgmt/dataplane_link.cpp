#include "mgmt/dataplane_link.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace recontap::mgmt {

namespace {

bool process_exists(int32_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

uint64_t age_ns(uint64_t now_ns, uint64_t then_ns) { return now_ns > then_ns ? now_ns - then_ns : 0; }

} // namespace

std::string state_name(uint32_t s) {
    switch (static_cast<shm::DataplaneState>(s)) {
    case shm::DataplaneState::starting: return "starting";
    case shm::DataplaneState::running: return "running";
    case shm::DataplaneState::input_done: return "input_done";
    case shm::DataplaneState::stopped: return "stopped";
    }
    return "unknown(" + std::to_string(s) + ")";
}

std::optional<shm::Region> DataplaneLink::poll_name(uint64_t now_ns) {
    if (last_poll_ns_ != 0 && now_ns - last_poll_ns_ < kAttachPollNs) return std::nullopt;
    last_poll_ns_ = now_ns;
    std::string why;
    shm::Region found = shm::Region::attach(name_, why);
    if (!found) {
        last_attach_error_ = why;
        return std::nullopt;
    }
    if (mapped() && found.header().boot_id == boot_id()) return std::nullopt; // same boot: keep ours
    return found;
}

void DataplaneLink::adopt(shm::Region region) { region_ = std::move(region); }

bool DataplaneLink::alive(uint64_t now_ns) const { return why_not(now_ns).empty(); }

std::string DataplaneLink::why_not(uint64_t now_ns) const {
    if (!mapped()) return last_attach_error_;
    const shm::RegionHeader& h = header();
    uint32_t state = h.dataplane_state.load(std::memory_order_acquire);
    if (state == uint32_t(shm::DataplaneState::stopped)) return "data plane stopped";
    int32_t pid = h.dataplane_pid.load(std::memory_order_relaxed);
    if (!process_exists(pid)) return "data plane pid " + std::to_string(pid) + " is gone (stale region left)";
    uint64_t age = age_ns(now_ns, h.dataplane_heartbeat_ns.load(std::memory_order_relaxed));
    if (age > kHeartbeatStaleNs) return "data plane heartbeat stale for " + std::to_string(age / 1'000'000) + " ms";
    return {};
}

bool DataplaneLink::process_gone() const {
    return mapped() && !process_exists(header().dataplane_pid.load(std::memory_order_relaxed));
}

bool DataplaneLink::taken_by_other_daemon(uint64_t now_ns) const {
    if (!mapped()) return false;
    const shm::RegionHeader& h = header();
    int32_t pid = h.daemon_pid.load(std::memory_order_relaxed);
    if (pid <= 0 || pid == getpid() || !process_exists(pid)) return false;
    return age_ns(now_ns, h.daemon_heartbeat_ns.load(std::memory_order_relaxed)) < kHeartbeatStaleNs;
}

} // namespace recontap::mgmt
