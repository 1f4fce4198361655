"""--profile bench: a large realistic mix for throughput tests (perf/, tcpreplay, pktgen-dpdk).

Zipf over 100k names, 60 % queries / 40 % responses (two in three queries are
answered), 3 % of responses NXDOMAIN, 5 % of queries naming a rule (a
passive-DNS provider or a sensitive label), 20 % IPv6, 200k clients, 200k
packets a second of packet time. Frames are assembled from pre-encoded parts
with struct and written in blocks: no per-packet objects beyond the bytes.
"""
import bisect
import itertools
import random
import struct

from . import benign, site, wire

NAMES = 100_000
CLIENTS = 200_000
PACKETS_PER_SECOND = 200_000
ZIPF_TABLE_BITS = 18


def _names(rng):
    base = benign.name_universe(3000)
    names = list(base)
    sites = sorted({n.split(".", 1)[1] for n in base})
    labels = ["www", "static", "img", "cdn", "media", "news", "edge", "m", "assets", "video", "shop", "blog"]
    for i in itertools.count():
        if len(names) >= NAMES:
            break
        names.append("%s%d.%s" % (labels[i % len(labels)], i // len(labels), sites[i % len(sites)]))
    rule_names = list(site.PDNS_PROVIDERS) + ["%s.%s" % (label, sites[i]) for i, label in
                                             enumerate(site.RULE_SENSITIVE_LABELS)]
    return [wire.encode_name(n) for n in names], [wire.encode_name(n) for n in rule_names]


def _zipf_table(rng, n, exponent=1.0):
    """Name indices drawn from Zipf: a uniform random index into this table picks a name."""
    cumulative = list(itertools.accumulate(1.0 / (k + 1) ** exponent for k in range(n)))
    total = cumulative[-1]
    return [bisect.bisect_left(cumulative, rng.random() * total) for _ in range(1 << ZIPF_TABLE_BITS)]


def _clients(rng):
    out = []
    for i in range(CLIENTS):
        if rng.random() < 0.2:
            addr = wire.ip_bytes("fd00:0:%x:%x::%x" % (1 + i // 65536, i % 65536, 1 + rng.getrandbits(16) % 0xffff))  # host 1..ffff
        else:
            addr = wire.ip_bytes("10.%d.%d.%d" % (16 + i // 65024, (i // 254) % 256, 1 + i % 254))
        out.append((addr, wire.mac_of(addr)))
    return out


def write(path, packets, seed):
    rng = random.Random("%d/bench" % seed)
    names, rule_names = _names(rng)
    table = _zipf_table(rng, len(names))
    clients = _clients(rng)
    servers = {4: [wire.ip_bytes(s) for s in site.DNS_SERVERS], 16: [wire.ip_bytes(site.DNS_SERVER_V6)]}
    answer_a = struct.pack("!HHHIH", 0xC00C, wire.A, wire.IN, 300, 4)
    pack_rec = struct.Struct("<IIII").pack
    pack_ip4 = struct.Struct("!BBHHHBBH4s4s").pack
    pack_ip6 = struct.Struct("!IHBB16s16s").pack
    pack_udp = struct.Struct("!HHHH").pack
    pack_dns = struct.Struct("!HHHHHH").pack
    qtail = {q: struct.pack("!HH", q, wire.IN) for q in (wire.A, wire.AAAA, wire.HTTPS)}
    qtypes = [wire.A] * 6 + [wire.AAAA] * 3 + [wire.HTTPS]
    getrandbits, rand = rng.getrandbits, rng.random
    usec = int(site_start_usec())
    counts = dict(queries=0, responses=0, nxdomain=0, rule_hits=0, ipv6=0)
    out = open(path, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    block, written = [], 0
    gap = 1_000_000 // PACKETS_PER_SECOND

    def frame(src, smac, dst, dmac, sport, dport, payload):
        udp_len = 8 + len(payload)
        if len(src) == 4:
            l4 = pack_udp(sport, dport, udp_len, 0) + payload  # IPv4: checksum 0 = none (RFC 768)
            hdr = pack_ip4(0x45, 0, 20 + udp_len, getrandbits(16), 0x4000, 64, 17, 0, src, dst)
            hdr = hdr[:10] + struct.pack("!H", wire.checksum(hdr)) + hdr[12:]
            return dmac + smac + b"\x08\x00" + hdr + l4
        pseudo = src + dst + struct.pack("!IxxxB", udp_len, 17)
        l4 = pack_udp(sport, dport, udp_len, 0) + payload
        c = wire.checksum(pseudo + l4) or 0xFFFF  # IPv6: the checksum is mandatory
        l4 = l4[:6] + struct.pack("!H", c) + l4[8:]
        return dmac + smac + b"\x86\xdd" + pack_ip6(0x60000000, udp_len, 17, 64, src, dst) + l4

    while written < packets:
        caddr, cmac = clients[int(rand() * CLIENTS)]
        server = servers[len(caddr)][getrandbits(1) % len(servers[len(caddr)])]
        smac = wire.mac_of(server)
        if rand() < 0.05:
            qname = rule_names[getrandbits(16) % len(rule_names)]
            counts["rule_hits"] += 1
        else:
            qname = names[table[getrandbits(ZIPF_TABLE_BITS)]]
        qtype = qtypes[getrandbits(8) % 10]
        msg_id, cport = getrandbits(16), 49152 + getrandbits(14)
        question = qname + qtail[qtype]
        query = pack_dns(msg_id, 0x0100, 1, 0, 0, 0) + question
        f = frame(caddr, cmac, server, smac, cport, 53, query)
        block.append(pack_rec(usec // 1_000_000, usec % 1_000_000, len(f), len(f)) + f)
        counts["queries"] += 1
        counts["ipv6"] += len(caddr) == 16
        written += 1
        usec += gap
        if written < packets and rand() < 2 / 3:
            if rand() < 0.03:
                payload = pack_dns(msg_id, 0x8183, 1, 0, 0, 0) + question
                counts["nxdomain"] += 1
            elif qtype == wire.A:
                payload = pack_dns(msg_id, 0x8180, 1, 1, 0, 0) + question + answer_a + qname[1:5].ljust(4, b"\0")
            else:
                payload = pack_dns(msg_id, 0x8180, 1, 0, 0, 0) + question
            f = frame(server, smac, caddr, cmac, 53, cport, payload)
            block.append(pack_rec(usec // 1_000_000, usec % 1_000_000, len(f), len(f)) + f)
            counts["responses"] += 1
            counts["ipv6"] += len(caddr) == 16
            written += 1
            usec += gap
        if len(block) >= 20000:
            out.write(b"".join(block))
            block = []
    out.write(b"".join(block))
    out.close()
    truth = {"generator": "recontap-gen", "profile": "bench", "seed": seed, "site": site.site_model(),
             "mix": counts, "names": len(names), "clients": CLIENTS, "packets_per_second": PACKETS_PER_SECOND,
             "alerts": None,
             "note": "no exact ground truth: the rule hits are there to load the matcher and do fire PDNS/SENS"}
    return written, truth


def site_start_usec():
    from .cli import START
    return START * 1_000_000
