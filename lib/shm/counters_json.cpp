#include "shm/counters_json.hpp"

#include "dns/malformed.hpp"

#include <string>

namespace recontap::shm {

nlohmann::json worker_counters_json(const WorkerCountersData& d, uint64_t ring_drops) {
    nlohmann::json malformed = nlohmann::json::object();
    for (std::size_t i = 1; i < dns::kMalformedCount; ++i)
        malformed[std::string(dns::malformed_name(dns::Malformed(i)))] = d.malformed[i]; // zeros too: every reason named
    return {
        {"packets", d.rx_packets},
        {"bytes", d.rx_bytes},
        {"dns_messages", d.dns_queries + d.dns_responses},
        {"dns_rejected", d.dns_rejected},
        {"queries", d.dns_queries},
        {"responses", d.dns_responses},
        {"not_dns", d.not_dns},
        {"malformed_total", d.malformed_total},
        {"malformed", malformed},
        {"forward_pointers", d.forward_pointers},
        {"last_packet_ns", d.last_packet_ns},
        {"packets_local_time", d.packets_local_time},
        {"rule_hits", {{"pdns", d.rule_hits_pdns}, {"sensitive", d.rule_hits_sens}}},
        {"clients_active", d.clients_active},
        {"detections", d.detections},
        {"window_summaries", d.window_summaries},
        {"tcp", {{"messages", d.tcp_messages}, {"seq_gaps", d.tcp_seq_gaps}, {"truncated", d.tcp_messages_truncated},
                 {"no_payload", d.tcp_no_payload}, {"partial", d.tcp_partial}}},
        {"drops", {{"event_ring", ring_drops}, {"client_evictions", d.clients_evicted},
                   {"tcp_flow_evictions", d.tcp_flows_evicted}}},
    };
}

} // namespace recontap::shm
