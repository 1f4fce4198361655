// What the data plane must know about an offline capture before DPDK reads
// it: the link type (net_pcap hands over bytes, not the file's DLT) and the
// packet count (so the end of the file is known exactly, not guessed from
// idle polls).
#pragma once
#include "dns/packet.hpp"

#include <cstdint>
#include <string>

namespace recontap::dataplane {

struct CaptureInfo {
    dns::LinkType link = dns::LinkType::ethernet;
    int dlt = 1;
    uint64_t packets = 0;
    std::string damaged; // non-empty: the file is damaged after `packets` packets (libpcap's reason)
};

// Throws std::runtime_error with one line ("FILE: why") for a missing,
// unreadable, non-regular (FIFO, device) or non-pcap file, a path DPDK's
// devargs cannot carry (',' or '='), or an unsupported link type.
CaptureInfo scan_capture(const std::string& path);

} // namespace recontap::dataplane
