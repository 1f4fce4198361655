#include "dataplane/frame_note.hpp"

namespace recontap::dataplane {

bool steer_client(const dns::PacketView& p, const dns::DnsPorts& ports, unsigned ipv6_prefix,
                  detect::SteeredClient& out, uint64_t hash_seed) {
    if (!ports.contains(p.sport) && !ports.contains(p.dport)) return false;
    out.is_source = detect::client_is_source(p, ports, detect::peek_qr(p));
    out.ref = state::ClientTable::ref(out.is_source ? p.src : p.dst, ipv6_prefix, hash_seed);
    return true;
}

void note_frame(std::span<const uint8_t> frame, dns::LinkType link, const dns::DnsPorts& ports,
                unsigned ipv6_prefix, FrameNote& note, uint64_t hash_seed) {
    note.why = dns::decode_packet(frame, link, note.view);
    note.has_client =
        note.why == dns::Malformed::none && steer_client(note.view, ports, ipv6_prefix, note.client, hash_seed);
}

} // namespace recontap::dataplane
