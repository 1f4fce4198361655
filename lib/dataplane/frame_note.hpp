// What the steering stage learns about a frame, handed to the worker that
// owns its client in the mbuf's private area (steer.hpp), so the worker does
// not decode link..transport nor key and hash the client a second time.
// No DPDK here: the offline bench builds the same notes to count the
// worker's own instructions.
#pragma once
#include "detect/direction.hpp"
#include "dns/packet.hpp"

#include <cstdint>
#include <span>

namespace recontap::dataplane {

// Written by the steering core, read by a worker core: two cache lines, so
// each frame moves two lines between the cores besides its mbuf and bytes.
struct FrameNote {
    detect::SteeredClient client;  // the end steering took for the client, keyed and hashed
    dns::PacketView view;          // decode_packet's view; its pointers are into the noted frame
    dns::Malformed why = dns::Malformed::none; // decode_packet's verdict
    bool has_client = false;       // decoded, either port a DNS port: client above is set
};
static_assert(sizeof(FrameNote) <= 128, "FrameNote: keep it two cache lines");

// Picks the client of a decoded packet the way the engine does
// (client_is_source on the peeked QR bit) and keys it with the worker tables'
// IPv6 prefix; false, and out untouched, when neither port is a DNS port.
bool steer_client(const dns::PacketView& p, const dns::DnsPorts& ports, unsigned ipv6_prefix,
                  detect::SteeredClient& out, uint64_t hash_seed = 0);

// Decodes the frame's headers into note and, when they decode, steer_client.
void note_frame(std::span<const uint8_t> frame, dns::LinkType link, const dns::DnsPorts& ports,
                unsigned ipv6_prefix, FrameNote& note, uint64_t hash_seed = 0);

} // namespace recontap::dataplane
