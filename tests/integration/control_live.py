#!/usr/bin/python3
"""The operator's control commands end to end on a running data plane:
recontapctl -> recontapd -> control ring -> recontap's main lcore -> back.
A second recontap on the same shm name is refused and leaves the running
one's region alone. rules test, rules reload (a broken file refused with FILE:LINE, the old rules
kept; an added rule live at generation 2), thresholds show/set (bad values
refused with the loader's message), clear errors for bad requests.

As root the data plane captures loopback live (net_pcap rx_iface=lo) while
this script sends DNS queries through the reloads: no packet may be lost
(steer drops, port misses, every query counted) and the workers must apply
the new rules and thresholds to the traffic. Without root it reads a small
capture once and stays up; the traffic checks are then reported as skipped.

usage: control_live.py BUILD_DIR
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from scapy.all import DNS, DNSQR, Ether, IP, UDP, wrpcap  # noqa: E402

from control_live_steps import Steps  # noqa: E402


def free_udp_port():
    for _ in range(50):
        port = random.randint(20000, 60000)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
            return port, s  # kept open: queries land here, no ICMP unreachable
        except OSError:
            s.close()
    raise RuntimeError("no free UDP port")


class Sender:
    """DNS queries from 127.0.0.1 to the sink port at a steady rate."""

    def __init__(self, port, rate=300):
        self.port, self.rate = port, rate
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sent = 0
        self.stop = threading.Event()
        self.thread = None

    def send(self, name, count=1):
        for i in range(count):
            self.sock.sendto(bytes(DNS(id=(self.sent + i) & 0xFFFF, rd=1, qd=DNSQR(qname=name))),
                             ("127.0.0.1", self.port))
        self.sent += count

    def background(self):
        def loop():
            i = 0
            while not self.stop.is_set():
                self.send(f"www.site{i % 50}.example")
                i += 1
                time.sleep(1.0 / self.rate)
        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()

    def finish(self):
        self.stop.set()
        if self.thread:
            self.thread.join()


def main():
    build = sys.argv[1]
    recontap = os.path.join(build, "app/recontap/recontap")
    recontapd = os.path.join(build, "app/recontapd/recontapd")
    ctl = os.path.join(build, "app/recontapctl/recontapctl")
    source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for exe in (recontap, recontapd, ctl):
        if not os.access(exe, os.X_OK):
            print(f"SKIP: {exe} not built (dataplane disabled?)")
            return 77
    live = os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix="recontap-control-")
    pdns = os.path.join(tmp, "pdns.rules")
    sens = os.path.join(tmp, "sens.rules")
    shutil.copy(os.path.join(source, "rules/pdns-providers.rules"), pdns)
    shutil.copy(os.path.join(source, "rules/sensitive-labels.rules"), sens)
    port, sink = free_udp_port()
    if live:
        vdev = "net_pcap0,rx_iface=lo"
    else:
        cap = os.path.join(tmp, "once.pcap")
        wrpcap(cap, [Ether() / IP(src="10.1.1.1", dst="10.0.0.53") / UDP(sport=3333, dport=port) /
                     DNS(rd=1, qd=DNSQR(qname="www.example.com"))])
        vdev = f"net_pcap0,rx_pcap={cap}"
    shm = f"/recontap-control-{os.getpid()}"
    cfg = os.path.join(tmp, "site.toml")
    with open(cfg, "w") as f:
        f.write(f"""[mgmt]
socket = "{tmp}/ctl.sock"
shm = "{shm}"
logdir = "{tmp}/log"
[rules]
pdns = "{pdns}"
sensitive = "{sens}"
[dataplane]
dns_ports = [{port}]
[detectors]
bulk_queries = 100000
[[port]]
vdev = "{vdev}"
""")
    procs = []
    daemon_log = open(os.path.join(tmp, "recontapd.log"), "w")
    dp_log = open(os.path.join(tmp, "recontap.log"), "w")
    steps = Steps(ctl, cfg, pdns)
    try:
        procs.append(subprocess.Popen([recontapd, "-c", cfg], stderr=daemon_log))
        steps.wait_for(lambda: os.path.exists(f"{tmp}/ctl.sock"), "recontapd's socket")
        procs.append(subprocess.Popen([recontap, "-c", cfg], stderr=dp_log))
        steps.wait_for(steps.attached_with_settings, "recontap attached and its rule generation known", 60)
        sender = Sender(port) if live else None
        steps.second_dataplane_refused(recontap, shm)
        steps.run_all(sender)
        procs[1].send_signal(signal.SIGTERM)
        procs[1].wait(timeout=90)
        steps.after_dataplane_stopped()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sink.close()
        try:
            os.unlink("/dev/shm" + shm)
        except FileNotFoundError:
            pass
    if steps.failures:
        for name in ("recontapd.log", "recontap.log"):
            print(f"--- {name}\n" + open(os.path.join(tmp, name)).read()[-3000:])
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(steps.failures)} failures")
    return 1 if steps.failures else 0


if __name__ == "__main__":
    sys.exit(main())
