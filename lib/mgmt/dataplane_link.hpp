// The daemon's view of the data plane: finds the shared-memory region by
// name, notices a new data-plane boot (the name now holds another region),
// and judges whether the data plane behind the mapping is still alive.
#pragma once
#include "shm/region.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace recontap::mgmt {

inline constexpr uint64_t kAttachPollNs = 150'000'000ull;     // look for the region this often
inline constexpr uint64_t kHeartbeatStaleNs = 3'000'000'000ull; // data plane heartbeats every ~100 ms

class DataplaneLink {
public:
    explicit DataplaneLink(std::string shm_name) : name_(std::move(shm_name)) {}

    // At most every kAttachPollNs: opens the name again. Returns a region
    // whose boot id differs from the mapped one (or the first one found);
    // the caller drains the old mapping, then calls adopt().
    std::optional<shm::Region> poll_name(uint64_t now_ns);
    void adopt(shm::Region region);

    bool mapped() const { return static_cast<bool>(region_); }
    const shm::RegionView& view() const { return region_.view(); }
    shm::RegionHeader& header() const { return region_.header(); }
    uint64_t boot_id() const { return mapped() ? header().boot_id : 0; }
    const std::string& name() const { return name_; }

    // Alive = mapped, not stopped, its pid exists and its heartbeat is fresh.
    // Otherwise why_not() says which (and the last attach failure when unmapped).
    bool alive(uint64_t now_ns) const;
    std::string why_not(uint64_t now_ns) const;

    // The mapped region's data-plane process no longer exists. (A stale
    // heartbeat alone is not proof: start-up work may pause it.)
    bool process_gone() const;

    // Another daemon with a fresh heartbeat already consumes this region:
    // rings are single-consumer, so this one must stay off them.
    bool taken_by_other_daemon(uint64_t now_ns) const;

private:
    std::string name_;
    shm::Region region_;
    std::string last_attach_error_ = "not looked for the region yet";
    uint64_t last_poll_ns_ = 0;
};

std::string state_name(uint32_t dataplane_state);

} // namespace recontap::mgmt
