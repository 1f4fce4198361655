#include "dataplane/leftovers.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace recontap::dataplane {

namespace {
// The PID in "<prefix><digits>", or 0 when the name is not one of ours.
pid_t pid_in(std::string_view name, std::string_view prefix) {
    if (name.substr(0, prefix.size()) != prefix || name.size() == prefix.size()) return 0;
    std::string_view digits = name.substr(prefix.size());
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    return ec == std::errc{} && end == digits.data() + digits.size() && pid > 0 ? pid : 0;
}

bool process_gone(pid_t pid) { return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH; }

void sweep(const std::string& dir, std::string_view prefix, std::vector<std::string>& removed) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const pid_t pid = pid_in(name, prefix);
        if (pid == 0 || !process_gone(pid)) continue;
        std::error_code gone;
        if (std::filesystem::remove_all(entry.path(), gone) > 0 && !gone) removed.push_back(entry.path().string());
    }
}
} // namespace

std::string dpdk_runtime_root() {
    if (geteuid() == 0) return "/var/run/dpdk";
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    return std::string(xdg && *xdg ? xdg : "/tmp") + "/dpdk";
}

std::vector<std::string> remove_dead_run_leftovers(const std::string& shm_dir, const std::string& dpdk_root) {
    std::vector<std::string> removed;
    sweep(shm_dir, "recontap-run-", removed);
    sweep(dpdk_root, "recontap-", removed);
    return removed;
}

} // namespace recontap::dataplane
