#include "detect/emit.hpp"

#include <algorithm>
#include <cstring>

namespace recontap::detect {

void Emitter::fire(shm::Detector d, const Observation& o, state::ClientState& c, EvidenceList evidence,
                   const char* detail) {
    uint16_t bit = uint16_t(1u << unsigned(d));
    if (c.fired & bit) return;
    c.fired |= bit;
    build_and_send(d, o, c, evidence, detail);
}

void Emitter::fire_kind(shm::Detector d, uint16_t& fired_kinds, unsigned kind, const Observation& o,
                        state::ClientState& c, EvidenceList evidence, const char* detail) {
    uint16_t bit = uint16_t(1u << kind);
    if (fired_kinds & bit) return;
    fired_kinds |= bit;
    c.fired |= uint16_t(1u << unsigned(d));
    build_and_send(d, o, c, evidence, detail);
}

void Emitter::send_summary(shm::DetectionRecord& r) {
    r.seq = ++seq_;
    r.worker = worker_;
    ++summaries_;
    sink_.emit(r);
}

void Emitter::build_and_send(shm::Detector d, const Observation& o, const state::ClientState& c,
                             EvidenceList evidence, const char* detail) {
    shm::DetectionRecord r{};
    r.seq = ++seq_;
    r.ts_ns = o.ts_ns;
    r.window_start_ns = c.window_start_ns;
    r.window_s = thresholds_.window_s;
    r.detector = uint8_t(d);
    r.worker = worker_;
    if (o.name().internal_zone >= 0) r.flags |= shm::kFlagInternalZone;
    if (o.internal_server()) r.flags |= shm::kFlagInternalServer;
    if (o.external_client()) r.flags |= shm::kFlagExternalClient;
    if (d == shm::Detector::MISCONF) r.flags |= shm::kFlagMisconfig;
    std::memcpy(r.client, o.client.bytes, 16);
    std::memcpy(r.server, o.server.bytes, 16);
    r.client_family = o.client.family;
    r.server_family = o.server.family;
    r.client_port = o.client_port;
    r.server_port = o.server_port;
    r.transport = uint8_t(o.pkt.transport);
    r.qtype = o.qtype;
    r.qclass = o.qclass;
    r.rcode = o.is_query() ? shm::kRcodeQuery : o.msg.rcode;
    r.sample_len = uint16_t(std::min<std::size_t>(o.qname.size(), sizeof r.sample_name));
    std::memcpy(r.sample_name, o.qname.data(), r.sample_len);
    std::strncpy(r.detail, detail, sizeof r.detail - 1);
    for (const auto& [key, value] : evidence) r.add_evidence(key, value);
    ++emitted_;
    sink_.emit(r);
}

} // namespace recontap::detect
