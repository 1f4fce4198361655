#include "dataplane/memory_budget.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

namespace recontap::dataplane {

namespace {
uint64_t mib(uint64_t bytes) { return (bytes + (1u << 20) - 1) >> 20; }

// The cgroup v2 this process is in: memory.max - memory.current, or 0.
uint64_t cgroup_room() {
    std::ifstream self("/proc/self/cgroup");
    std::string line, path;
    while (std::getline(self, line))
        if (line.rfind("0::", 0) == 0) path = line.substr(3);
    if (path.empty()) return 0;
    const std::string dir = "/sys/fs/cgroup" + path;
    std::ifstream max_file(dir + "/memory.max"), current_file(dir + "/memory.current");
    std::string max_text;
    uint64_t current = 0;
    if (!(max_file >> max_text) || max_text == "max" || !(current_file >> current)) return 0;
    const uint64_t max = std::stoull(max_text);
    return max > current ? max - current : 1; // at or over its limit: no room at all
}
} // namespace

uint64_t available_memory_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    uint64_t kib = 0, available = 0;
    while (meminfo >> key >> kib) {
        if (key == "MemAvailable:") available = kib * 1024;
        meminfo.ignore(64, '\n');
    }
    const uint64_t room = cgroup_room();
    if (room != 0) available = available == 0 ? room : std::min(available, room);
    return available;
}

std::string memory_shortfall(const MemoryNeed& need, uint64_t available) {
    if (available == 0 || need.total() <= available) return {};
    char text[400];
    std::snprintf(text, sizeof text,
                  "these settings need about %llu MiB (%llu MiB of packet buffers: [dataplane] mbufs; %llu MiB of "
                  "client tables: workers x clients_per_worker x 320 B) but %llu MiB is available: lower them",
                  static_cast<unsigned long long>(mib(need.total())), static_cast<unsigned long long>(mib(need.packet_memory)),
                  static_cast<unsigned long long>(mib(need.client_tables)), static_cast<unsigned long long>(mib(available)));
    return text;
}

} // namespace recontap::dataplane
