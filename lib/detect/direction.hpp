// Which end of a DNS packet is the client. One rule, used both where packets
// are steered to workers and where detectors account them, so that a client's
// every message lands on the one worker that holds its state.
#pragma once
#include "dns/packet.hpp"
#include "state/client_table.hpp"

namespace recontap::detect {

// qr: the DNS QR bit when known (UDP payload byte 2, or the decoded message).
constexpr bool client_is_source(const dns::PacketView& p, const dns::DnsPorts& ports, bool qr) {
    bool to_server = ports.contains(p.dport), from_server = ports.contains(p.sport);
    if (to_server != from_server) return to_server;
    return !qr; // both or neither on a DNS port (server to server): trust QR
}

// QR bit read straight from a UDP payload, or from a TCP segment that starts
// with a length-prefixed message; false when too short to tell.
inline bool peek_qr(const dns::PacketView& p) {
    unsigned at = p.transport == dns::Transport::tcp ? 4 : 2;
    return p.payload_len > at && (p.payload[at] & 0x80);
}

// What steering decided for a frame on a DNS port: which end it took for the
// client (on the QR bit it peeked) and that client's table reference. Over
// UDP the peeked bit is the decoded message's, so the engine takes the end
// as it is; over TCP it works the end out from the decoded message and uses
// the reference only when that is the same end (a segment's peeked bit may
// not be its message's).
struct SteeredClient {
    bool is_source = false;
    state::ClientRef ref{};
};

} // namespace recontap::detect
