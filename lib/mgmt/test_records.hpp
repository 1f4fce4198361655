// Builds DetectionRecords for the mgmt unit tests.
#pragma once
#include "shm/layout.hpp"

#include <cstring>
#include <string_view>

namespace recontap::mgmt::testing {

inline constexpr uint64_t kSecond = 1'000'000'000ull;
inline constexpr uint64_t kBase = 1'796'303'438ull * kSecond; // 2026-12-03T13:10:38Z

inline shm::DetectionRecord record(shm::Detector d, uint8_t client_last_octet, uint64_t t_s,
                                   uint16_t flags = 0, std::string_view name = "www.example.com") {
    shm::DetectionRecord r{};
    r.detector = static_cast<uint8_t>(d);
    r.ts_ns = kBase + t_s * kSecond;
    r.window_start_ns = r.ts_ns - 60 * kSecond;
    r.window_s = 60;
    r.flags = flags;
    r.client_family = r.server_family = 4;
    const uint8_t client[4] = {10, 0, 0, client_last_octet}, server[4] = {10, 0, 0, 53};
    std::memcpy(r.client, client, 4);
    std::memcpy(r.server, server, 4);
    r.client_port = 40000;
    r.server_port = 53;
    r.transport = 17;
    r.qtype = 1;
    r.qclass = 1;
    r.sample_len = uint16_t(name.size());
    std::memcpy(r.sample_name, name.data(), name.size());
    return r;
}

} // namespace recontap::mgmt::testing
