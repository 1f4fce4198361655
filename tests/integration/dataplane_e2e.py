#!/usr/bin/python3
"""End to end: the real recontap and recontapd over shared memory on a capture
built here, asserting the exact alerts (client, detector, tier) and counters,
with 1, 2 and 4 workers; and the one-line errors (exit 2) for bad input.

usage: dataplane_e2e.py BUILD_DIR
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

from scapy.all import DNS, DNSQR, DNSRR, Ether, IP, TCP, UDP, fragment, wrpcap  # noqa: E402

BASE = 1_780_000_020.0  # on a 60 s window boundary
SERVER = "10.0.0.53"
CONFIG = """
[site]
internal_networks = ["10.0.0.0/8"]
internal_zones = ["corp.example"]
dns_servers = ["10.0.0.53"]
threat_intel = ["intel.txt"]
"""
INTEL_LIST = "# test list\n203.0.113.0/24  # actor resolvers\n"


class Capture:
    def __init__(self):
        self.frames = []
        self.queries = 0
        self.responses = 0
        self.t = BASE

    def exchange(self, client, name, qtype="A", rcode=0, qclass="IN", answer=True, dt=0.01, server=SERVER):
        sport = 20000 + len(self.frames) % 40000
        q = Ether() / IP(src=client, dst=server) / UDP(sport=sport, dport=53) / DNS(
            id=len(self.frames) & 0xFFFF, rd=1, qd=DNSQR(qname=name, qtype=qtype, qclass=qclass))
        q.time = self.t
        self.frames.append(q)
        self.queries += 1
        self.t += dt / 2
        if answer:
            r = Ether() / IP(src=server, dst=client) / UDP(sport=53, dport=sport) / DNS(
                id=q[DNS].id, qr=1, rd=1, ra=1, rcode=rcode, qd=DNSQR(qname=name, qtype=qtype, qclass=qclass))
            r.time = self.t
            self.frames.append(r)
            self.responses += 1
        self.t += dt / 2


def build_capture(path):
    c = Capture()
    c.exchange("10.1.1.1", "api.securitytrails.com")                         # PDNS
    c.exchange("10.1.1.2", "corp.example", qtype=252, rcode=5)             # RARE (AXFR refused)
    c.exchange("10.1.1.2", "version.bind", qtype=16, qclass=3, rcode=5) # RARE again: suppressed repeat
    for i in range(60):                                                       # NXD
        c.exchange("10.1.1.3", f"h{i}.target.example", rcode=3)
    for i in range(1000):                                                     # BULK (no answers: a spray)
        c.exchange("10.1.1.4", f"www.site{i % 20}.example", answer=False, dt=0.02)
    for i in range(1200):  # as many queries, but over 3 minutes of packet time: no BULK
        c.exchange("10.1.1.8", f"www.site{i % 20}.example", answer=False, dt=0.15)
    for label in ("vpn", "admin", "jenkins"):                                 # SENS under the internal zone
        c.exchange("10.1.1.5", f"{label}.corp.example", rcode=3)
    for name in ("www.example.com", "mail.corp.example", "vpn.corp.example"):  # benign
        c.exchange("10.1.1.6", name)
    c.exchange("10.1.1.7", "crt.sh")                                          # PDNS, then ...
    c.exchange("10.1.1.7", "target.example", qtype=255)                   # ... RARE: correlated -> Tier 2
    c.exchange("10.1.1.9", "www.example.com", server="203.0.113.66")          # INTEL: listed resolver
    wrpcap(path, c.frames)
    return c


EXPECTED = {
    ("10.1.1.1", "PDNS", "1"),
    ("10.1.1.2", "RARE", "2"),  # AXFR of the internal zone: a targeted query -> Tier 2
    ("10.1.1.3", "NXD", "1"),
    ("10.1.1.4", "BULK", "2"),
    ("10.1.1.5", "SENS", "2"),
    ("10.1.1.7", "PDNS", "1"),
    ("10.1.1.7", "RARE", "2"),
    ("10.1.1.9", "INTEL", "2"),
}

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
    return cond


def run_recontap(recontap, args, timeout=120):
    return subprocess.run([recontap] + args, capture_output=True, text=True, timeout=timeout)


def big_response(name, client, ip_id, port, records):
    """A response from SERVER with `records` 250-octet TXT answers (to be fragmented)."""
    answers = DNSRR(rrname=name, type="TXT", rdata="x" * 250)
    for _ in range(records - 1):
        answers = answers / DNSRR(rrname=name, type="TXT", rdata="x" * 250)  # chained: a list would be many packets
    return IP(src=SERVER, dst=client, id=ip_id) / UDP(sport=53, dport=port) / DNS(
        id=ip_id, qr=1, qd=DNSQR(qname=name), an=answers)


def run_frames(recontap, cfg, tmp, label, ip_frames):
    """recontap -r over these IP frames (in Ethernet, 1 ms apart): stats.json's total, or None if it failed."""
    frames = [Ether() / f for f in ip_frames]
    for j, f in enumerate(frames):
        f.time = BASE + j * 0.001
    path, logdir = os.path.join(tmp, label + ".pcap"), os.path.join(tmp, "logs-" + label)
    wrpcap(path, frames)
    p = run_recontap(recontap, ["-r", path, "-c", cfg, "-l", logdir])
    if not check(p.returncode == 0, f"{label}: exit 0 ({p.stderr.strip()[:300]})"):
        return None
    return json.load(open(os.path.join(logdir, "stats.json")))["total"]


def main():
    build = sys.argv[1]
    recontap = os.path.join(build, "app/recontap/recontap")
    if not os.access(recontap, os.X_OK):
        print(f"SKIP: {recontap} not built (dataplane disabled?)")
        return 77
    tmp = tempfile.mkdtemp(prefix="recontap-e2e-")
    cap = build_capture(os.path.join(tmp, "e2e.pcap"))
    cfg = os.path.join(tmp, "site.toml")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    configs = {32: cfg}
    for burst in (1, 512):  # [dataplane] burst at both limits: the same alerts, nothing lost
        configs[burst] = os.path.join(tmp, f"site-burst{burst}.toml")
        with open(configs[burst], "w") as f:
            f.write(CONFIG + f"[dataplane]\nburst = {burst}\n")
    with open(os.path.join(tmp, "intel.txt"), "w") as f:
        f.write(INTEL_LIST)

    for workers, burst in ((1, 32), (2, 32), (4, 32), (2, 1), (4, 512)):
        logdir = os.path.join(tmp, f"logs-{workers}-{burst}")
        p = run_recontap(recontap, ["-r", os.path.join(tmp, "e2e.pcap"), "-c", configs[burst], "-l", logdir,
                                    "--workers", str(workers)])
        workers = f"{workers} burst={burst}"  # in the messages below
        check(p.returncode == 0, f"workers={workers}: exit 0 (got {p.returncode}: {p.stderr.strip()[:300]})")
        if p.returncode != 0:
            continue
        alerts = [json.loads(line) for line in open(os.path.join(logdir, "eve.json"))]
        got = {(a["src_ip"], a["alert"]["metadata"]["detector"][0], a["alert"]["metadata"]["tier"][0]) for a in alerts}
        check(got == EXPECTED, f"workers={workers}: alert set exact; missing {sorted(EXPECTED - got)} "
                               f"unexpected {sorted(got - EXPECTED)}")
        check(len(alerts) == len(EXPECTED), f"workers={workers}: one line per alert ({len(alerts)} lines)")
        total = json.load(open(os.path.join(logdir, "stats.json")))["total"]
        check(total["packets"] == len(cap.frames), f"workers={workers}: packets {total['packets']} == {len(cap.frames)}")
        check(total["queries"] == cap.queries and total["responses"] == cap.responses,
              f"workers={workers}: queries {total['queries']}/{cap.queries} responses "
              f"{total['responses']}/{cap.responses}")
        check(total["malformed_total"] == 0 and total["not_dns"] == 0, f"workers={workers}: nothing malformed")
        check(total["drops"]["event_ring"] == 0 and total["drops"]["undelivered_detections"] == 0,
              f"workers={workers}: no detection lost")
        check(total["rule_hits"]["pdns"] == 2, f"workers={workers}: 2 provider rule hits ({total['rule_hits']})")

    # IP fragments: three large responses in three fragments each, two of them
    # missing their last one. One datagram is rebuilt; the two still
    # incomplete when the capture ends are counted, not forgotten.
    frames = []
    for i in range(3):
        parts = fragment(big_response(f"big{i}.example", "10.1.2.1", 100 + i, 30000 + i, 10), fragsize=1000)
        check(len(parts) == 3, f"fragments: response {i} is 3 fragments ({len(parts)})")
        frames += parts if i == 0 else parts[:-1]
    total = run_frames(recontap, cfg, tmp, "frag", frames)
    if total:
        frag = total["ip_fragments"]
        check(frag["fragments"] == 7 and frag["datagrams"] == 1 and frag["unfinished"] == 2 and total["responses"] == 1,
              f"fragments: 7 taken in, 1 datagram rebuilt and decoded, 2 unfinished ({frag}, responses "
              f"{total['responses']})")
        check(total["drops"]["fragments_incomplete"] == 2,
              f"fragments: the 2 incomplete datagrams are counted as dropped ({total['drops']})")

    # Jumbo fragments (3.5 KB each): net_pcap hands each in chained mbufs, and
    # the fragment's data past the first segment must reach reassembly.
    parts = fragment(big_response("jumbo.example", "10.1.2.9", 900, 31000, 25), fragsize=3496)
    check(len(parts) == 2 and len(parts[0]) > 3000, f"jumbo: 2 fragments over 3 KB ({[len(f) for f in parts]})")
    total = run_frames(recontap, cfg, tmp, "jumbo", parts)
    if total:
        frag = total["ip_fragments"]
        check(frag["datagrams"] == 1 and frag["bad_fragment"] == 0 and total["responses"] == 1,
              f"jumbo fragments: the datagram rebuilt and decoded ({frag}, responses {total['responses']})")

    # Bad input: one line naming the problem, exit 2, never a core dump.
    missing = os.path.join(tmp, "nope.pcap")
    p = run_recontap(recontap, ["-r", missing, "-l", os.path.join(tmp, "bad")])
    check(p.returncode == 2 and missing in p.stderr and p.stderr.count("\n") == 1,
          f"missing capture: exit 2, one line ({p.returncode}: {p.stderr.strip()})")
    junk = os.path.join(tmp, "junk.pcap")
    with open(junk, "wb") as f:
        f.write(b"this is not a capture at all\n" * 10)
    p = run_recontap(recontap, ["-r", junk, "-l", os.path.join(tmp, "bad")])
    check(p.returncode == 2 and junk in p.stderr, f"not a pcap: exit 2 ({p.returncode}: {p.stderr.strip()})")
    for name, text, pattern in (
            ("unknown.toml", "[site]\ninternal_zones = [\"a.example\"]\nbogus_key = 1\n", r"unknown\.toml:3:1:"),
            ("syntax.toml", "[site\ninternal_zones = 3\n", r"syntax\.toml:1:\d+:"),
            ("badcidr.toml", "[site]\ninternal_networks = [\"10.0.0.0/99\"]\n", r"badcidr\.toml:2:\d+:")):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        p = run_recontap(recontap, ["-r", os.path.join(tmp, "e2e.pcap"), "-c", path, "-l", os.path.join(tmp, "bad")])
        check(p.returncode == 2 and re.search(pattern, p.stderr) and p.stderr.count("\n") == 1,
              f"{name}: exit 2 with FILE:LINE:COL ({p.returncode}: {p.stderr.strip()})")
    p = run_recontap(recontap, ["--workers", "0", "-r", os.path.join(tmp, "e2e.pcap")])
    check(p.returncode == 2, f"--workers 0: exit 2 ({p.stderr.strip()})")
    # DNS over TCP: a message cut by FIN and one still partial when the capture
    # ends are both counted, one malformed (tcp_message_cut), one dropped.
    def tcp(sport, flags, seq, payload=b""):
        return IP(src="10.1.2.3", dst=SERVER) / TCP(sport=sport, dport=53, flags=flags, seq=seq) / payload
    framed = len(bytes(DNS(rd=1, qd=DNSQR(qname="tcp.example")))).to_bytes(2, "big") + bytes(
        DNS(rd=1, qd=DNSQR(qname="tcp.example")))
    frames = [tcp(41000, "S", 99), tcp(41000, "PA", 100, framed[:10]), tcp(41000, "FA", 110),
              tcp(42000, "S", 99), tcp(42000, "PA", 100, framed[:10])]
    total = run_frames(recontap, cfg, tmp, "tcp", frames)
    if total:
        check(total["malformed"]["tcp_message_cut"] == 1 and total["drops"]["tcp_messages_unfinished"] == 1 and
              total["tcp"]["no_payload"] == 3,
              f"tcp: 1 cut by FIN, 1 unfinished at the end, 3 without payload ({total['malformed']['tcp_message_cut']}, "
              f"{total['drops']}, {total['tcp']})")

    # DNS over TCP in IP fragments: the rebuilt segment reaches the worker's TCP
    # reassembly (steering dropped it as reassembled_datagrams_lost before).
    query = bytes(DNS(rd=1, qd=DNSQR(qname="x" * 60 + ".fragmented-tcp.example")))
    segment = IP(src="10.1.2.4", dst=SERVER, id=77) / TCP(sport=43000, dport=53, flags="PA", seq=100) / (
        len(query).to_bytes(2, "big") + query)
    frames = [IP(src="10.1.2.4", dst=SERVER) / TCP(sport=43000, dport=53, flags="S", seq=99)] + fragment(
        segment, fragsize=48)
    total = run_frames(recontap, cfg, tmp, "tcpfrag", frames)
    if total:
        check(total["queries"] == 1 and total["tcp"]["messages"] == 1 and
              total["drops"]["reassembled_datagrams_lost"] == 0 and total["ip_fragments"]["datagrams"] == 1,
              f"tcp in fragments: 1 query ({total['queries']}, {total['tcp']}, {total['ip_fragments']}, {total['drops']})")

    # What a run killed before it could clean up left (its shared memory, its
    # DPDK runtime folder) is removed by the next run, and said so.
    gone = subprocess.Popen(["true"])
    gone.wait()
    dpdk_root = "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/tmp", "dpdk")
    left = [f"/dev/shm/recontap-run-{gone.pid}", os.path.join(dpdk_root, f"recontap-{gone.pid}")]
    open(left[0], "w").close()
    os.makedirs(left[1], exist_ok=True)
    p = run_recontap(recontap, ["-r", os.path.join(tmp, "frag.pcap"), "-c", cfg, "-l", os.path.join(tmp, "sweep")])
    check(p.returncode == 0 and not any(os.path.exists(x) for x in left) and
          all(f"removed {x}, left by a run that was killed" in p.stderr for x in left),
          f"leftovers of a killed run removed ({p.returncode}: {[x for x in left if os.path.exists(x)]})")

    # A pcapng whose interfaces have different link types (dumpcap -i eth0 -i any):
    # libpcap reads none of it; that is bad input (exit 2), not an empty run.
    def block(kind, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", kind, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    frame = bytes(IP(src="10.1.2.3", dst=SERVER) / UDP(sport=40000, dport=53) / DNS(rd=1, qd=DNSQR(qname="a.example")))
    mixed = os.path.join(tmp, "mixed.pcapng")
    with open(mixed, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(block(1, struct.pack("<HHI", 1, 0, 65535)))    # interface 0: Ethernet
        f.write(block(1, struct.pack("<HHI", 101, 0, 65535)))  # interface 1: raw IP
        f.write(block(6, struct.pack("<IIIII", 1, 0, 0, len(frame), len(frame)) + frame))
    p = run_recontap(recontap, ["-r", mixed, "-l", os.path.join(tmp, "mixed")])
    check(p.returncode == 2 and "no packet can be read" in p.stderr,
          f"pcapng of mixed link types: exit 2 ({p.returncode}: {p.stderr.strip()[-200:]})")

    # Settings that need more memory than there is: refused up front with the
    # figures (64 workers x 16M clients x 320 B = 320 GiB), not OOM-killed.
    huge = os.path.join(tmp, "huge.toml")
    with open(huge, "w") as f:
        f.write("[dataplane]\nworkers = 64\nclients_per_worker = 16777216\n")
    p = run_recontap(recontap, ["-r", os.path.join(tmp, "frag.pcap"), "-c", huge, "-l", os.path.join(tmp, "huge")])
    check(p.returncode == 2 and "these settings need about" in p.stderr and "327680 MiB of client tables" in p.stderr,
          f"settings beyond memory: exit 2 with the figures ({p.returncode}: {p.stderr.strip()[-300:]})")
    for flag in ("-c", "-r", "-l"):
        p = run_recontap(recontap, [flag, ""])
        check(p.returncode == 2 and f"-{flag[1]} needs a path, not an empty string" in p.stderr,
              f"{flag} '': exit 2, not the default ({p.returncode}: {p.stderr.strip()[:200]})")

    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
