#include "dataplane/stats_json.hpp"

#include "shm/counters_json.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace recontap::dataplane {


nlohmann::json stats_document(const shm::Region& region, const RunTotals& totals) {
    const shm::RegionHeader& h = region.header();
    nlohmann::json workers = nlohmann::json::array();
    shm::WorkerCountersData sum{};
    uint64_t ring_drops_total = 0, last_packet_ns = 0;
    for (uint32_t w = 0; w < h.n_workers; ++w) {
        shm::WorkerCountersData d{};
        region.view().counters(w).read(d);
        uint64_t ring_drops = region.view().events(w).dropped.load();
        ring_drops_total += ring_drops;
        last_packet_ns = std::max(last_packet_ns, d.last_packet_ns);
        workers.push_back(shm::worker_counters_json(d, ring_drops));
        // Sum field by field: the struct is all uint64_t.
        auto* s = reinterpret_cast<uint64_t*>(&sum);
        auto* x = reinterpret_cast<const uint64_t*>(&d);
        for (std::size_t i = 0; i < sizeof d / sizeof(uint64_t); ++i) s[i] += x[i];
    }
    sum.last_packet_ns = last_packet_ns; // the latest, not a sum
    nlohmann::json total = shm::worker_counters_json(sum, ring_drops_total);
    // Frames as read from the ports; workers also count the datagrams the
    // steering stage rebuilt from fragments, so their sum can differ.
    total["packets"] = totals.port_rx_packets;
    total["ip_fragments"] = {{"fragments", totals.reassembly.fragments}, {"datagrams", totals.reassembly.datagrams},
                             {"too_big", totals.reassembly.too_big}, {"bad_fragment", totals.reassembly.bad_fragment},
                             {"evicted", totals.reassembly.evicted}, {"expired", totals.reassembly.expired},
                             {"unfinished", totals.reassembly.unfinished}};
    total["drops"]["steer"] = totals.steer_drops;
    total["drops"]["reassembled_datagrams_lost"] = totals.steering.datagram_drops; // no mbuf, or not UDP
    total["drops"]["fragments_incomplete"] = totals.reassembly.evicted + totals.reassembly.expired + totals.reassembly.unfinished +
                                             totals.reassembly.too_big + totals.reassembly.bad_fragment;
    total["drops"]["port_missed"] = totals.port_missed;
    total["drops"]["undelivered_detections"] = totals.undelivered;
    // At the end of a run a TCP message still partial will not complete.
    total["drops"]["tcp_messages_unfinished"] = sum.tcp_partial;
    return {
        {"capture", totals.capture},
        {"workers_n", h.n_workers},
        {"port_rx_packets", totals.port_rx_packets},
        {"total", total},
        {"workers", workers},
    };
}

std::string run_summary(const nlohmann::json& stats, const std::string& stats_path) {
    const nlohmann::json& t = stats["total"];
    uint64_t drops = 0;
    for (const auto& counted : t["drops"]) drops += counted.get<uint64_t>();
    char line[192];
    std::snprintf(line, sizeof line, "%llu packets, %llu DNS messages, %llu detections, %llu drops",
                  static_cast<unsigned long long>(t["packets"].get<uint64_t>()),
                  static_cast<unsigned long long>(t["dns_messages"].get<uint64_t>()),
                  static_cast<unsigned long long>(t["detections"].get<uint64_t>()),
                  static_cast<unsigned long long>(drops));
    return std::string(line) + " (every counter in " + stats_path + ")";
}

void write_json_file(const std::string& path, const nlohmann::json& doc) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) throw std::runtime_error(path + ": cannot write");
        out << doc.dump(2) << '\n';
        if (!out.flush()) throw std::runtime_error(path + ": write failed");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": rename failed");
}

} // namespace recontap::dataplane
