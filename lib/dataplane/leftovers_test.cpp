#include "dataplane/leftovers.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace recontap::dataplane;
namespace fs = std::filesystem;

namespace {
// A PID that named a process a moment ago and names none now.
pid_t dead_pid() {
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    return child;
}
} // namespace

TEST(Leftovers, OnlyThoseOfGoneProcessesAreRemoved) {
    const fs::path root = fs::path(::testing::TempDir()) / ("leftovers-" + std::to_string(getpid()));
    const fs::path shm = root / "shm", dpdk = root / "dpdk";
    fs::create_directories(shm);
    fs::create_directories(dpdk);
    const std::string dead = std::to_string(dead_pid()), alive = std::to_string(getppid()), self = std::to_string(getpid());
    for (const std::string& pid : {dead, alive, self}) {
        std::ofstream(shm / ("recontap-run-" + pid)) << "region";
        fs::create_directories(dpdk / ("recontap-" + pid));
        std::ofstream(dpdk / ("recontap-" + pid) / "config") << "eal";
    }
    std::ofstream(shm / "recontap-run-12x") << "not a pid";
    std::ofstream(shm / ("other-" + dead)) << "not ours";

    std::vector<std::string> removed = remove_dead_run_leftovers(shm.string(), dpdk.string());
    std::sort(removed.begin(), removed.end());
    EXPECT_EQ(removed, (std::vector<std::string>{(dpdk / ("recontap-" + dead)).string(),
                                                  (shm / ("recontap-run-" + dead)).string()}));
    for (const std::string& pid : {alive, self}) {
        EXPECT_TRUE(fs::exists(shm / ("recontap-run-" + pid)));
        EXPECT_TRUE(fs::exists(dpdk / ("recontap-" + pid) / "config"));
    }
    EXPECT_TRUE(fs::exists(shm / "recontap-run-12x"));
    EXPECT_TRUE(remove_dead_run_leftovers((root / "absent").string(), (root / "absent").string()).empty());
    fs::remove_all(root);
}
