// What a run's settings ask of memory, checked before anything is allocated
// against what the machine (and the cgroup the run is in) can give: settings
// that need tens of GiB (mbufs = 16M, clients_per_worker = 16M) are refused
// with the figures and exit 2, not met by the OOM killer halfway through.
#pragma once
#include <cstdint>
#include <string>

namespace recontap::dataplane {

struct MemoryNeed {
    uint64_t packet_memory = 0; // DPDK's memory: the mbuf pools (EalOptions::memory_mb)
    uint64_t client_tables = 0; // workers x clients_per_worker x sizeof(ClientState)
    uint64_t total() const { return packet_memory + client_tables; }
};

// /proc/meminfo MemAvailable, lowered to what a cgroup v2 memory.max leaves;
// 0 when neither can be read.
uint64_t available_memory_bytes();

// Empty when need fits in available (or available is 0: unknown), else the
// reason, with the figures and the settings that drive them.
std::string memory_shortfall(const MemoryNeed& need, uint64_t available);

} // namespace recontap::dataplane
