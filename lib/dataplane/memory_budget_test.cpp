#include "dataplane/memory_budget.hpp"

#include <gtest/gtest.h>

using namespace recontap::dataplane;

TEST(MemoryBudget, FittingSettingsPassAndTooLargeOnesSayWhy) {
    constexpr uint64_t MiB = 1u << 20;
    MemoryNeed need{512 * MiB, 80 * MiB};
    EXPECT_EQ(memory_shortfall(need, 4096 * MiB), "");
    EXPECT_EQ(memory_shortfall(need, 0), ""); // unknown: not refused
    need.client_tables = 2ull * 16777216 * 320; // 2 workers x 16M clients
    EXPECT_EQ(memory_shortfall(need, 4096 * MiB),
              "these settings need about 10752 MiB (512 MiB of packet buffers: [dataplane] mbufs; 10240 MiB of client "
              "tables: workers x clients_per_worker x 320 B) but 4096 MiB is available: lower them");
}

TEST(MemoryBudget, ThisMachineReportsSomething) {
    EXPECT_GT(available_memory_bytes(), 64ull << 20); // a machine that runs the tests has more than 64 MiB free
}
