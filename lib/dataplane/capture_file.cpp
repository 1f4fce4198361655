#include "dataplane/capture_file.hpp"

#include <pcap/pcap.h>

#include <memory>
#include <stdexcept>

namespace recontap::dataplane {

namespace {
bool link_from_dlt(int dlt, dns::LinkType& out) {
    switch (dlt) {
    case DLT_NULL: out = dns::LinkType::null_bsd; return true;
    case DLT_EN10MB: out = dns::LinkType::ethernet; return true;
    case DLT_RAW:  // 12 or 14 depending on the platform's headers
    case 101:      // LINKTYPE_RAW as stored in files
        out = dns::LinkType::raw; return true;
    case DLT_LOOP: out = dns::LinkType::loop; return true;
    case DLT_LINUX_SLL: out = dns::LinkType::linux_sll; return true;
    case 228: out = dns::LinkType::ipv4; return true;
    case 229: out = dns::LinkType::ipv6; return true;
    case 276: out = dns::LinkType::linux_sll2; return true;
    default: return false;
    }
}
} // namespace

CaptureInfo scan_capture(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> p(pcap_open_offline(path.c_str(), err), pcap_close);
    if (!p) throw std::runtime_error(path + ": cannot read capture: " + err);
    CaptureInfo info;
    info.dlt = pcap_datalink(p.get());
    if (!link_from_dlt(info.dlt, info.link))
        throw std::runtime_error(path + ": link type " + std::to_string(info.dlt) + " (" +
                                 (pcap_datalink_val_to_name(info.dlt) ? pcap_datalink_val_to_name(info.dlt) : "?") +
                                 ") is not decoded; supported: Ethernet, raw IP, BSD loopback, Linux cooked");
    pcap_pkthdr* h;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(p.get(), &h, &data)) == 1) ++info.packets;
    // rc == -2: end of file. -1: a damaged record; net_pcap stops at the same
    // place, so the count still matches what DPDK will deliver.
    return info;
}

} // namespace recontap::dataplane
