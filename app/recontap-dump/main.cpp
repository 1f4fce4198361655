// recontap-dump: DNS messages of a capture as TSV, with the decoder the data
// plane uses (no DPDK). One line per question, laid out to diff against
// `tshark -T fields`; --malformed lists rejected messages with their reason.
#include "dns/extractor.hpp"
#include "dns/message.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

using namespace recontap::dns;

namespace {

constexpr const char* kUsage = "usage: recontap-dump [--ports 53,5353] [--malformed] [--stats] FILE";
constexpr const char* kHelp =
    "Prints the DNS messages of a pcap file as recontap's decoder sees them: a header line, then one\n"
    "tab-separated line per question (same columns as tshark -T fields).\n"
    "  --ports LIST  DNS ports, comma separated (default 53)\n"
    "  --malformed   print instead each rejected packet or message, and each message whose later\n"
    "                sections are damaged, with the reason\n"
    "  --stats       on stderr at the end: frames, DNS messages, each kind of rejection, TCP and\n"
    "                IP reassembly counters\n";

struct Options {
    DnsPorts ports;
    bool malformed = false;
    bool stats = false;
    const char* file = nullptr;
};

bool parse_ports(std::string_view list, DnsPorts& ports) {
    ports.n = 0;
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (ec != std::errc{} || end != item.data() + item.size() || value == 0 || value > 65535 ||
            ports.n == DnsPorts::kMax)
            return false;
        ports.port[ports.n++] = uint16_t(value);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return ports.n > 0;
}

bool parse_args(int argc, char** argv, Options& opt) {
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            std::printf("%s\n%s", kUsage, kHelp);
            std::exit(0);
        } else if (a == "--malformed") opt.malformed = true;
        else if (a == "--stats") opt.stats = true;
        else if (a == "--ports" && i + 1 < argc) {
            if (!parse_ports(argv[++i], opt.ports)) {
                std::fprintf(stderr, "recontap-dump: --ports wants up to %d ports 1-65535, comma separated: %s\n",
                             DnsPorts::kMax, argv[i]);
                return false;
            }
        } else if (!a.empty() && a[0] != '-' && !opt.file) opt.file = argv[i];
        else {
            std::fprintf(stderr, "recontap-dump: unexpected argument '%s'\n%s\n", argv[i], kUsage);
            return false;
        }
    }
    if (!opt.file) std::fprintf(stderr, "recontap-dump: no capture file given\n%s\n", kUsage);
    return opt.file != nullptr;
}

const char* addr_text(const IpAddr& a, char* buf, std::size_t cap) {
    if (a.family == 0) return "-";
    return inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.bytes, buf, socklen_t(cap));
}

// "ts src sport dst dport transport" for one packet.
void print_endpoints(const pcap_pkthdr& h, const PacketView& pkt) {
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    std::printf("%ld.%09ld\t%s\t%u\t%s\t%u\t%s", long(h.ts.tv_sec), long(h.ts.tv_usec),
                addr_text(pkt.src, s, sizeof s), pkt.sport, addr_text(pkt.dst, d, sizeof d), pkt.dport,
                pkt.transport == Transport::tcp ? "tcp" : "udp");
}

void print_message(const pcap_pkthdr& h, const PacketView& pkt, const DnsMessage& m) {
    char name[4 * 256];
    int lines = m.questions_kept > 0 ? m.questions_kept : 1;
    for (int i = 0; i < lines; ++i) {
        print_endpoints(h, pkt);
        std::printf("\t%d\t%u\t%u\t%u\t%u\t%u", int(m.qr()), m.id, m.opcode(), m.rcode, m.qdcount, m.ancount);
        if (m.questions_kept == 0) {
            std::printf("\t-\t-\t-\n");
            continue;
        }
        const DnsQuestion& q = m.questions[i];
        std::size_t n = escape_name(q.name.view(), name, sizeof name);
        if (n == 0) name[n++] = '.';
        std::printf("\t%.*s\t%u\t%u\n", int(n), name, q.qtype, q.qclass);
    }
}

void print_stats(const MessageExtractor& ex, const std::array<uint64_t, kMalformedCount>& by_reason,
                 uint64_t messages, uint64_t rejected) {
    std::fprintf(stderr, "frames\t%lu\nnot_dns\t%lu\ndns_messages\t%lu\ndns_rejected\t%lu\n",
                 ex.counters().frames, ex.counters().not_dns, messages, rejected);
    for (std::size_t i = 1; i < kMalformedCount; ++i)
        if (by_reason[i]) std::fprintf(stderr, "malformed.%s\t%lu\n",
                                       malformed_name(Malformed(i)).data(), by_reason[i]);
    const auto& t = ex.tcp_counters();
    std::fprintf(stderr, "tcp.messages\t%lu\ntcp.truncated\t%lu\ntcp.seq_gaps\t%lu\ntcp.bad_length\t%lu\n"
                         "tcp.flows_evicted\t%lu\ntcp.no_payload\t%lu\ntcp.unfinished\t%zu\n", t.messages,
                 t.messages_truncated, t.seq_gaps, t.bad_length, t.flows_evicted, t.no_payload,
                 ex.tcp_partial_messages());
    const auto& f = ex.ip_counters();
    std::fprintf(stderr, "ip.fragments\t%lu\nip.datagrams\t%lu\nip.too_big\t%lu\nip.evicted\t%lu\n",
                 f.fragments, f.datagrams, f.too_big, f.evicted);
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse_args(argc, argv, opt)) return 2;
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* cap = pcap_open_offline_with_tstamp_precision(opt.file, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!cap) {
        std::fprintf(stderr, "recontap-dump: cannot read capture %s: %s\n", opt.file, err);
        return 2;
    }
    LinkType link;
    if (!link_type_from_dlt(pcap_datalink(cap), link)) {
        const char* dlt_name = pcap_datalink_val_to_name(pcap_datalink(cap));
        std::fprintf(stderr, "recontap-dump: %s: link type %s (%d) is not supported\n", opt.file,
                     dlt_name ? dlt_name : "unknown", pcap_datalink(cap));
        pcap_close(cap);
        return 2;
    }
    if (opt.malformed) std::printf("ts\tsrc\tsport\tdst\tdport\ttransport\tverdict\treason\tqname\n");
    else std::printf("ts\tsrc\tsport\tdst\tdport\ttransport\tqr\tid\topcode\trcode\tqdcount\tancount\tqname\tqtype\tqclass\n");

    MessageExtractor extractor(opt.ports);
    DnsMessage msg;
    std::array<uint64_t, kMalformedCount> by_reason{};
    uint64_t messages = 0, rejected = 0;
    pcap_pkthdr* hdr;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(cap, &hdr, &data)) == 1) {
        uint64_t ts_ns = uint64_t(hdr->ts.tv_sec) * 1'000'000'000ull + uint64_t(hdr->ts.tv_usec);
        auto report = [&](const char* verdict, Malformed m, const PacketView& pkt, const DnsMessage* dm) {
            ++by_reason[std::size_t(m)];
            if (!opt.malformed) return;
            print_endpoints(*hdr, pkt);
            char name[4 * 256];
            std::size_t n = dm && dm->questions_kept ? escape_name(dm->questions[0].name.view(), name, sizeof name) : 0;
            if (n == 0) name[n++] = '-';
            std::printf("\t%s\t%s\t%.*s\n", verdict, malformed_name(m).data(), int(n), name);
        };
        extractor.feed(
            {data, hdr->caplen}, link, ts_ns,
            [&](const PacketView& pkt, std::span<const uint8_t> bytes) {
                ++messages;
                Malformed m = decode_dns(bytes, msg);
                if (m != Malformed::none) {
                    ++rejected;
                    return report("rejected", m, pkt, nullptr);
                }
                if (msg.section_error != Malformed::none) report("section", msg.section_error, pkt, &msg);
                if (!opt.malformed) print_message(*hdr, pkt, msg);
            },
            [&](Malformed m, const PacketView& pkt) { report("rejected", m, pkt, nullptr); });
    }
    if (rc == PCAP_ERROR) {
        std::fprintf(stderr, "recontap-dump: %s: read error: %s\n", opt.file, pcap_geterr(cap));
        pcap_close(cap);
        return 2;
    }
    if (opt.stats) print_stats(extractor, by_reason, messages, rejected);
    pcap_close(cap);
    return 0;
}
