#include "detect/window_volume.hpp"

#include <cstring>
#include <limits>

namespace recontap::detect {

void WindowVolume::advance(uint64_t now_ns) {
    const uint64_t window_ns = this->window_ns();
    if (now_ns < end_ns()) return; // reordered packet: counts in the window in hand
    uint64_t next = now_ns - now_ns % window_ns;
    if (next == 0) next = window_ns; // 0 marks "no window yet", as for clients
    if (start_ns_ != 0) send(next, false);
    start_ns_ = next;
    queries_ = 0;
    top_queries_ = 0;
    top_client_ = top_server_ = {};
}

void WindowVolume::finish() {
    send(std::numeric_limits<uint64_t>::max(), true);
    queries_ = 0;
}

void WindowVolume::send(uint64_t next_window_ns, bool final) {
    shm::DetectionRecord r{};
    r.kind = uint8_t(shm::RecordKind::window_summary);
    r.detector = uint8_t(shm::Detector::SPIKE);
    r.ts_ns = next_window_ns;
    r.window_start_ns = start_ns_;
    r.window_s = t_.window_s;
    if (final) r.flags |= shm::kFlagFinalWindow;
    std::memcpy(r.client, top_client_.bytes, 16);
    std::memcpy(r.server, top_server_.bytes, 16);
    r.client_family = top_client_.family;
    r.server_family = top_server_.family;
    r.add_evidence("queries", queries_);
    r.add_evidence("top_client_queries", top_queries_);
    emitter_.send_summary(r);
}

} // namespace recontap::detect
