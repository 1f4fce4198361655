#include "dataplane/capture_file.hpp"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <memory>
#include <stdexcept>

namespace recontap::dataplane {


CaptureInfo scan_capture(const std::string& path) {
    if (path.find_first_of(",=") != std::string::npos)
        throw std::runtime_error(path + ": a capture path may not contain ',' or '=' (DPDK devargs syntax)");
    struct stat st{};
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw std::runtime_error(path + ": not a regular file (net_pcap re-opens the capture: use a file, not a pipe or device)");
    char err[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> p(pcap_open_offline(path.c_str(), err), pcap_close);
    if (!p) throw std::runtime_error(path + ": cannot read capture: " + err);
    CaptureInfo info;
    info.dlt = pcap_datalink(p.get());
    if (!dns::link_type_from_dlt(info.dlt, info.link))
        throw std::runtime_error(path + ": link type " + std::to_string(info.dlt) + " (" +
                                 (pcap_datalink_val_to_name(info.dlt) ? pcap_datalink_val_to_name(info.dlt) : "?") +
                                 ") is not decoded; supported: Ethernet, raw IP, BSD loopback, Linux cooked");
    pcap_pkthdr* h;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(p.get(), &h, &data)) == 1) ++info.packets;
    if (rc == -1) info.damaged = pcap_geterr(p.get());
    // rc == -2: end of file. -1: a damaged record; net_pcap stops at the same
    // place, so the count still matches what DPDK will deliver.
    return info;
}

} // namespace recontap::dataplane
