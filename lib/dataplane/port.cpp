#include "dataplane/port.hpp"

#include "dataplane/steer.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace recontap::dataplane {

void eal_start(const EalOptions& opts, const char* argv0) {
    std::vector<std::string> args{argv0};
    // Every lcore may float over every CPU: offline and test runs often have
    // more workers than cores; pinned deployments pass their own layout.
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    args.push_back("--lcores=(0-" + std::to_string(opts.lcores - 1) + ")@(0-" + std::to_string(cpus > 0 ? cpus - 1 : 0) +
                   ")");
    args.push_back("--file-prefix=" + opts.file_prefix);
    args.push_back("--log-level=*:warning");
    args.push_back("--log-level=pmd.net.pcap:error");
    if (opts.no_huge) {
        args.push_back("--no-huge");
        args.push_back("-m");
        args.push_back(std::to_string(opts.memory_mb));
    }
    if (opts.pci.empty()) args.push_back("--no-pci");
    for (const auto& p : opts.pci) args.push_back("--allow=" + p);
    for (const auto& v : opts.vdevs) args.push_back("--vdev=" + v);
    args.push_back("--no-telemetry");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(args.size()), argv.data()) < 0)
        throw std::runtime_error(std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno));
}

void eal_stop() {
    // --in-memory would leave no runtime folder but cannot be combined with
    // --no-huge; remove this process's own folder (named by its unique
    // --file-prefix) so runs do not pile up under /var/run/dpdk.
    std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    std::error_code ec;
    if (runtime_dir.find("/recontap-") != std::string::npos) std::filesystem::remove_all(runtime_dir, ec);
}

namespace {

// This process's AF_PACKET sockets bound to interface if_index: the ones
// net_af_packet opened for the port at probe (one per queue pair).
std::vector<int> packet_sockets_on(unsigned if_index) {
    std::vector<int> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        int fd = std::atoi(entry.path().filename().c_str());
        int domain = 0;
        socklen_t len = sizeof domain;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET) continue;
        sockaddr_ll addr{};
        len = sizeof addr;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 && unsigned(addr.sll_ifindex) == if_index)
            found.push_back(fd);
    }
    return found;
}

} // namespace

namespace {
// Drivers whose receive queues exist from probe, one a socket or file of
// their devargs (net_af_packet qpairs=, net_pcap rx_pcap= / rx_iface=): each
// of them receives whether it is set up or not, so every one is set up and
// read, however few readers there are; a queue left out would lose its share
// of the frames without a count.
bool queues_fixed_at_probe(std::string_view driver) {
    return driver == "net_af_packet" || driver == "net_pcap" || driver == "net_ring";
}
} // namespace

Port port_start(uint16_t id, unsigned mbufs, PacketClock& clock, uint16_t readers) {
    Port port;
    port.id = id;
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(id, &info) != 0) throw std::runtime_error("port " + std::to_string(id) + ": no device info");
    const std::string driver = info.driver_name ? info.driver_name : "?";
    const std::string name = "port " + std::to_string(id) + " (" + driver + ")";
    if (info.max_rx_queues < readers)
        throw PortMismatch(name + ": rx_queues = \"per_worker\" needs " + std::to_string(readers) +
                           " receive queues, the port has " + std::to_string(info.max_rx_queues) +
                           " (net_af_packet: qpairs=" + std::to_string(readers) + "; net_pcap: one rx_pcap a queue)");
    port.rx_queues = queues_fixed_at_probe(driver) ? info.max_rx_queues : readers;
    // Every queue's descriptors hold mbufs besides what the rings hold.
    port.pool = rte_pktmbuf_pool_create(("mbufs" + std::to_string(id)).c_str(), mbufs + port.rx_queues * 1024u, 256,
                                        kFrameNotePrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                        int(rte_eth_dev_socket_id(id)) < 0 ? 0 : rte_eth_dev_socket_id(id));
    if (!port.pool) throw std::runtime_error(std::string("mbuf pool: ") + rte_strerror(rte_errno));

    // DPDK 22.11's net_af_packet counts no drops: frames the kernel could not
    // put in its full ring are only in the sockets' PACKET_STATISTICS, which
    // nothing else in the process reads (a read resets them).
    if (driver == "net_af_packet" && info.if_index)
        port.kernel_ring_sockets = packet_sockets_on(info.if_index);
    rte_eth_conf conf{};
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
        port.hw_timestamps = true;
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
    const uint16_t rx_queues = port.rx_queues;
    // Addresses only, not ports: the fragments of a datagram (ports in the
    // first alone) land on one queue, where that worker reassembles them.
    const uint64_t rss_ip = info.flow_type_rss_offloads & RTE_ETH_RSS_IP;
    if (rx_queues > 1 && rss_ip) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = rss_ip;
    }
    int rc = rte_eth_dev_configure(id, rx_queues, 1, &conf);
    if (rc < 0) throw std::runtime_error(name + ": configure: " + rte_strerror(-rc));
    uint16_t rxd = 1024, txd = 64;
    rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd);
    for (uint16_t q = 0; q < rx_queues; ++q) {
        rc = rte_eth_rx_queue_setup(id, q, rxd, rte_eth_dev_socket_id(id), nullptr, port.pool);
        if (rc < 0) throw std::runtime_error(name + ": rx queue " + std::to_string(q) + ": " + rte_strerror(-rc));
    }
    rc = rte_eth_tx_queue_setup(id, 0, txd, rte_eth_dev_socket_id(id), nullptr);
    if (rc < 0) throw std::runtime_error(name + ": tx queue: " + rte_strerror(-rc));
    if (port.hw_timestamps && rte_mbuf_dyn_rx_timestamp_register(&clock.dynfield_offset, &clock.dynflag) != 0)
        port.hw_timestamps = false;
    // net_pcap registers the Rx timestamp field itself at probe and stamps
    // every mbuf with the capture time without advertising the offload:
    // look the field up whatever the capabilities say; the per-mbuf flag
    // still tells, packet by packet, whether a timestamp is there.
    if (clock.dynfield_offset < 0) {
        int field = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
        int flag = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
        if (field >= 0 && flag >= 0) {
            clock.dynfield_offset = field;
            clock.dynflag = RTE_BIT64(flag);
        }
    }
    rc = rte_eth_dev_start(id);
    if (rc < 0) throw std::runtime_error(name + ": start: " + rte_strerror(-rc));
    rte_eth_promiscuous_enable(id); // a tap sees other hosts' traffic

    clock.tsc_hz = rte_get_tsc_hz();
    clock.tsc_base = rte_rdtsc();
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    clock.wall_base_ns = uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
    return port;
}

uint64_t ports_missed(std::vector<Port>& ports) {
    uint64_t missed = 0;
    for (Port& p : ports) {
        rte_eth_stats st{};
        if (rte_eth_stats_get(p.id, &st) == 0) missed += st.imissed + st.rx_nombuf + st.ierrors;
        for (int fd : p.kernel_ring_sockets) {
            tpacket_stats ks{};
            socklen_t len = sizeof ks;
            // Each read returns the counts since the last one and resets them.
            if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0) p.kernel_ring_drops += ks.tp_drops;
        }
        missed += p.kernel_ring_drops;
    }
    return missed;
}

} // namespace recontap::dataplane
