#include "dataplane/daemon_link.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace recontap::dataplane {

bool daemon_listening(const std::string& socket_path) {
    sockaddr_un addr{};
    if (socket_path.size() >= sizeof addr.sun_path) return false;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

namespace {
std::string find_daemon(const std::string& self_exe) {
    if (const char* env = std::getenv("RECONTAPD"); env && *env) return env;
    namespace fs = std::filesystem;
    fs::path self = fs::weakly_canonical(fs::path(self_exe));
    for (fs::path candidate : {self.parent_path() / "recontapd", self.parent_path().parent_path() / "recontapd" / "recontapd"})
        if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    return "recontapd"; // PATH
}
} // namespace

pid_t spawn_daemon(const std::string& self_exe, const std::string& config_path, const std::string& logdir,
                   const std::string& shm_name, const std::string& socket_path) {
    std::string exe = find_daemon(self_exe);
    std::vector<std::string> args{exe};
    if (!config_path.empty()) args.insert(args.end(), {"-c", config_path});
    args.insert(args.end(), {"-l", logdir, "--once", "--shm", shm_name, "--socket", socket_path});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // In a process group of its own: a terminal's Ctrl-C (SIGINT to the whole
    // foreground group) reaches recontap only, which stops its input and lets
    // the daemon take the last detections; the daemon stopping at the same
    // signal lost them. recontap stops it itself (SIGTERM), and a daemon
    // started --once leaves when recontap's process is gone.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, exe.c_str(), nullptr, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
    return pid;
}

uint64_t records_unacknowledged(const shm::Region& region) {
    const shm::RegionHeader& h = region.header();
    uint64_t pushed = 0;
    for (uint32_t w = 0; w < h.n_workers; ++w) pushed += region.view().events(w).head.load(std::memory_order_acquire);
    const uint64_t delivered = h.daemon_boot_id.load(std::memory_order_acquire) == h.boot_id
                                   ? h.daemon_delivered.load(std::memory_order_acquire)
                                   : 0;
    return delivered >= pushed ? 0 : pushed - delivered;
}

DeliveryWait wait_delivered(const shm::Region& region, pid_t spawned, unsigned timeout_s,
                            const std::atomic<unsigned>& signals, unsigned signals_seen) {
    const uint64_t start = shm::monotonic_ns();
    const uint64_t deadline = start + uint64_t(timeout_s) * 1'000'000'000ull;
    bool said = false;
    for (;;) {
        const uint64_t left = records_unacknowledged(region);
        if (left == 0) return {};
        const uint64_t now = shm::monotonic_ns();
        if (now > deadline) return {left, false};
        if (signals.load(std::memory_order_relaxed) > signals_seen) return {records_unacknowledged(region), true};
        if (spawned > 0) {
            int status = 0;
            if (waitpid(spawned, &status, WNOHANG) == spawned) // it exited; re-read once in case it acked just before
                return {records_unacknowledged(region), false, true};
        }
        if (!said && now - start > 1'000'000'000ull) {
            std::fprintf(stderr,
                         "recontap: waiting up to %llu s more for recontapd to take the last %llu detections "
                         "(SIGINT or SIGTERM to stop waiting: they are then counted as undelivered)\n",
                         static_cast<unsigned long long>((deadline - now) / 1'000'000'000ull + 1),
                         static_cast<unsigned long long>(left));
            said = true;
        }
        region.header().dataplane_heartbeat_ns.store(now, std::memory_order_relaxed);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void stop_daemon(pid_t pid, unsigned grace_s, const std::atomic<unsigned>& signals) {
    // True once it has exited and been reaped (or was reaped before: ECHILD);
    // a signal arriving during the wait ends it early.
    auto gone_within = [&](unsigned seconds) {
        const unsigned signals_seen = signals.load(std::memory_order_relaxed);
        int status = 0;
        for (unsigned i = 0; i < seconds * 50; ++i) {
            if (waitpid(pid, &status, WNOHANG) != 0) return true;
            if (signals.load(std::memory_order_relaxed) > signals_seen) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return waitpid(pid, &status, WNOHANG) != 0;
    };
    if (gone_within(grace_s)) return;
    kill(pid, SIGTERM);
    if (gone_within(5)) return;
    std::fprintf(stderr, "recontap: this run's recontapd (pid %d) did not stop on SIGTERM: killed\n", int(pid));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
}

} // namespace recontap::dataplane
