// One worker's counters as JSON, the same names wherever they are shown:
// the data plane's stats.json and the daemon's `stats` answer (CLI).
#pragma once
#include "shm/layout.hpp"

#include <nlohmann/json.hpp>

namespace recontap::shm {

// ring_drops: the worker's event ring `dropped` count (detections lost).
nlohmann::json worker_counters_json(const WorkerCountersData& d, uint64_t ring_drops);

} // namespace recontap::shm
