#!/usr/bin/python3
"""Smoke test of a live tap: the real recontap on one end of a veth pair
(DPDK net_af_packet, --no-huge --no-pci), the real recontapd and recontapctl,
and tcpreplay pushing a recontap-gen capture into the other end, at two
speeds. Asserts the counters recontapctl reports while it runs, that both
speeds give the alert set of the offline run of the same capture, a clean
exit on SIGTERM and nothing left behind.

What "packet time" is live. DPDK 22.11's net_af_packet does not stamp
mbufs: it neither advertises RTE_ETH_RX_OFFLOAD_TIMESTAMP nor registers the
Rx timestamp dynfield (its librte_net_af_packet.so does not even import
rte_mbuf_dyn_rx_timestamp_register, which net_pcap does), so recontap's
PacketClock falls back to the local clock (TSC anchored to wall time) for
every packet: the test asserts packets_local_time == packets live, and 0
offline. Live, packet time is therefore arrival time, and tcpreplay's speed
compresses or stretches it; the capture's own timestamps are not used. The
result is speed-independent only when every client's traffic falls inside
one detector window at every speed. So the configuration uses
window_s = 86400 (tumbling windows on UTC day boundaries) and the capture
(175 s of packet time offline) replays in 0.4 to 22 s at both speeds; the
test waits out the last 90 s before 00:00 UTC so no replay straddles a
boundary. Offline, the capture's timestamps (09:00 to 09:03 on one day) also
fall in one window, so the three runs count the same traffic per window.

Queues. The x60 run's af_packet port has two sockets in its fanout group,
both read by the main lcore (rx_queues = "one"); a fourth run gives each of
two workers its own (rx_queues = "per_worker"). Either way every frame the
kernel spreads over them must be read.

Drops. A third run stops recontap (SIGSTOP) while --topspeed fills a 512-frame
kernel ring with the 1454-frame capture: 512 must be received and 942 shown
as rx_missed by recontapctl while it runs (net_af_packet itself reports none
of its kernel ring's drops; recontap reads them from the sockets).

usage: live_replay.py BUILD_DIR      (run as root; exit 77 = skipped)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from live_checks import all_delivered, alert_set, check, ctl, failures, sh, terminate, wait_for  # noqa: E402

# Two speeds whose alerts must match: 4000 packets/s flat (0.4 s, the capture's gaps ignored) and the
# capture's own gaps 60 times faster (2.9 s; 6-22 s measured under load: tcpreplay's sleeps wait for a
# CPU). Not --topspeed: at 64k packets/s a worker descheduled for 16 ms overflows its 1024-slot inbox
# on a loaded 2-core machine (seen once in 10 runs: 198 steer drops, counted, one alert lost). The
# stalled run uses --topspeed, where losing packets is the point.
# The x60 run's tap has two sockets in its fanout group (qpairs=2), both read by the main lcore.
SPEEDS = (("pps4000", ["--pps=4000"], 1), ("x60", ["--multiplier=60"], 2))
WINDOW_S = 86400
GEN_ARGS = ["--seed", "21", "--minutes", "1", "--clients", "4", "--scenario",
            "dnsrecon", "axfr_refused", "version_bind", "outsider", "pdns_then_probe"]
RING_FRAMES = 4096       # net_af_packet's kernel ring: holds the whole capture (1454 frames)
STALL_RING_FRAMES = 512  # the stalled run: a ring smaller than the capture, the rest must be counted missed
LONGEST_REPLAY_S = 60  # x60 of 175 s is 3 s on an idle machine; measured 3x slower under load


class Namespace:
    """A network namespace holding both ends of a veth pair; IPv6 off so the
    kernel sends nothing of its own (router solicitations, MLD) into the tap."""

    def __init__(self, tag):
        self.name = f"rtlive-{os.getpid()}-{tag}"
        self.tap, self.feed = f"rtl{os.getpid() % 100000}t", f"rtl{os.getpid() % 100000}f"

    def __enter__(self):
        r = sh("ip", "netns", "add", self.name)
        if r.returncode != 0:
            raise RuntimeError(f"ip netns add: {r.stderr.strip()}")
        for cmd in (["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                    ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
                    ["ip", "link", "add", "name", self.tap, "type", "veth", "peer", "name", self.feed],
                    ["ip", "link", "set", self.tap, "up"], ["ip", "link", "set", self.feed, "up"]):
            r = self.run(cmd)
            if r.returncode != 0:
                sh("ip", "netns", "del", self.name)  # __exit__ does not run when __enter__ raises
                raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
        return self

    def run(self, cmd, **kw):
        return sh("ip", "netns", "exec", self.name, *cmd, **kw)

    def exec_prefix(self):
        return ["ip", "netns", "exec", self.name]

    def link_stats(self, dev):
        r = self.run(["ip", "-j", "-s", "link", "show", dev])
        return json.loads(r.stdout)[0]["stats64"] if r.returncode == 0 else {}

    def __exit__(self, *exc):
        sh("ip", "netns", "del", self.name)  # removes the veth pair with it
        return False

    def exists(self):
        return self.name in sh("ip", "netns", "list").stdout.split()


def write_config(path, site, mgmt_dir, shm, tap, ring_frames=RING_FRAMES, workers=1, qpairs=1):
    """workers > 1: rx_queues = "per_worker", one af_packet queue pair (a socket of its fanout group) a worker;
    else "one": the main lcore reads all `qpairs`."""
    qpairs = max(qpairs, workers)
    lines = ["[site]"]
    for key in ("internal_networks", "internal_zones", "dns_servers"):
        lines.append(f"{key} = {json.dumps(site[key])}")
    lines += ["", "[[port]]",
              f'vdev = "net_af_packet0,iface={tap},qpairs={qpairs},blocksz=4096,framesz=2048,framecnt={ring_frames}"',
              "", "[mgmt]", f'socket = "{mgmt_dir}/recontapd.sock"', f'shm = "{shm}"', f'logdir = "{mgmt_dir}/log"',
              "", "[dataplane]", f"workers = {workers}", f'rx_queues = "{"per_worker" if workers > 1 else "one"}"',
              "", "[detectors]", f"window_s = {WINDOW_S}", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def wait_out_window_boundary():
    """Live packet time is the local clock: wait when a day boundary (UTC) could fall inside the replay."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < LONGEST_REPLAY_S + 30:
        print(f"note: {left:.0f} s to a {WINDOW_S} s window boundary: waiting for it to pass", flush=True)
        time.sleep(left + 1)


def live_run(bins, tmp, label, replay_args, capture, site, offline_total, stall=False, workers=1, qpairs=1):
    """One live run in its own namespace; the alert set, or None when it could not finish or was stalled.
    stall: recontap is stopped (SIGSTOP) while tcpreplay fills a ring smaller than the capture: exactly
    the ring's worth is received, the rest must show as rx_missed."""
    with Namespace(label) as ns:
        alerts = replay_into_tap(ns, bins, tmp, label, replay_args, capture, site, offline_total, stall, workers, qpairs)
    check(not ns.exists(), f"{label}: namespace {ns.name} removed")
    return alerts


def replay_into_tap(ns, bins, tmp, label, replay_args, capture, site, offline_total, stall, workers, qpairs):
    run_dir = os.path.join(tmp, label)
    os.makedirs(run_dir)
    shm = f"/recontap-live-{os.getpid()}-{label}"
    cfg = os.path.join(run_dir, "live.toml")
    ring_frames = STALL_RING_FRAMES if stall else RING_FRAMES
    write_config(cfg, site, run_dir, shm, ns.tap, ring_frames, workers, qpairs)
    socket = os.path.join(run_dir, "recontapd.sock")
    daemon_log = open(os.path.join(run_dir, "recontapd.out"), "w")
    daemon = subprocess.Popen([bins["recontapd"], "-c", cfg, "-l", os.path.join(run_dir, "log")],
                              stdout=daemon_log, stderr=subprocess.STDOUT)
    dataplane = None
    try:
        check(wait_for(lambda: ctl(bins, socket, "status"), 10) is not None, f"{label}: recontapd answers")
        dp_log = open(os.path.join(run_dir, "recontap.out"), "w")
        dataplane = subprocess.Popen(ns.exec_prefix() + [bins["recontap"], "-c", cfg, "-l", os.path.join(run_dir, "dp")],
                                     stdout=dp_log, stderr=subprocess.STDOUT)

        def running():
            s = ctl(bins, socket, "status")
            return s if s and s["dataplane"]["attached"] and s["dataplane"].get("state") == "running" else None
        status = wait_for(running, 30)
        if not check(status is not None, f"{label}: recontapctl status: data plane attached and running "
                                           f"(exit {dataplane.poll()}, log {open(dp_log.name).read()[-400:]!r})"):
            return None
        check(status["dataplane"]["pid"] == dataplane.pid and status["dataplane"]["workers"] == workers,
              f"{label}: status names recontap's pid {dataplane.pid} and {workers} worker(s) ({status['dataplane']})")
        before = ctl(bins, socket, "stats")
        check(before["totals"]["port_rx_packets"] == 0, f"{label}: nothing received before the replay "
                                                        f"({before['totals']['port_rx_packets']})")

        wait_out_window_boundary()
        if stall:
            dataplane.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        replay = subprocess.Popen(ns.exec_prefix() + ["tcpreplay", "-i", ns.feed] + replay_args + [capture],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = []  # rx packets recontapctl reports while the replay runs
        while replay.poll() is None:
            s = ctl(bins, socket, "stats")
            if s:
                seen.append(s["totals"]["port_rx_packets"])
            time.sleep(0.5)
        out = replay.stdout.read()
        if stall:
            dataplane.send_signal(signal.SIGCONT)
        replay_s = time.monotonic() - started
        sent = re.search(r"Successful packets:\s+(\d+)", out)
        failed = re.search(r"Failed packets:\s+(\d+)", out)
        if not check(replay.returncode == 0 and sent and failed and int(failed.group(1)) == 0,
                     f"{label}: tcpreplay {' '.join(replay_args)} sent everything ({out.strip()[-300:]!r})"):
            return None
        sent = int(sent.group(1))
        received = min(sent, ring_frames) if stall else sent
        check(seen == sorted(seen), f"{label}: rx packets never go back while replaying ({seen})")

        def settled():
            s = ctl(bins, socket, "stats")
            # Workers publish their counters as they go, the main lcore (port rx, rx_missed) every 100 ms.
            done = s and s["totals"].get("packets", 0) >= received and s["totals"]["port_rx_packets"] >= received
            return s if done and s["drops"]["rx_missed"] >= sent - received else None
        stats = wait_for(settled, 10) or ctl(bins, socket, "stats")
        t = stats["totals"]
        veth = ns.link_stats(ns.tap)
        print(f"     {label}: tcpreplay sent {sent} in {replay_s:.1f} s; recontapctl stats: port_rx {t['port_rx_packets']}"
              f" worker packets {t['packets']} queries {t['queries']} responses {t['responses']}"
              f" drops {stats['drops']}; veth rx {veth.get('rx', {})}", flush=True)
        # net_af_packet in 22.11 cannot report drops in its kernel ring (it never
        # asks for PACKET_STATISTICS), so the kernel's own counters of the tap
        # end vouch for delivery to the interface; recontap now reads the ring's
        # drops from the sockets itself (rx_missed), which the stalled run proves.
        # In the other runs the capture (1454 frames) fits in the ring (4096) whole.
        check(veth.get("rx", {}).get("packets") == sent and veth["rx"].get("dropped") == 0,
              f"{label}: the kernel delivered all {sent} to the tap end ({veth.get('rx')})")
        check(t["port_rx_packets"] == received and t["packets"] == received,
              f"{label}: rx packets {t['port_rx_packets']} (workers {t['packets']}) == {received} of {sent} sent")
        if stall:
            check(stats["drops"]["rx_missed"] == sent - received and stats["drops"]["steer"] == 0,
                  f"{label}: the {sent - received} frames the full ring could not take are counted as rx_missed "
                  f"while running ({stats['drops']})")
            check(wait_for(lambda: (ctl(bins, socket, "status") or {}).get("dataplane", {}).get("attached"), 10),
                  f"{label}: data plane attached again after SIGCONT")
        else:
            check(t["queries"] == offline_total["queries"] and t["responses"] == offline_total["responses"],
                  f"{label}: dns queries {t['queries']}/{offline_total['queries']} responses "
                  f"{t['responses']}/{offline_total['responses']} as offline")
            check(stats["drops"]["steer"] == 0 and stats["drops"]["rx_missed"] == 0 and stats["drops"]["event_ring"] == 0,
                  f"{label}: no drops ({stats['drops']})")
        check(t["packets_local_time"] == t["packets"],
              f"{label}: every packet timed by the local clock (net_af_packet has no Rx timestamps): "
              f"{t['packets_local_time']} of {t['packets']}")
        check(all_delivered(bins, socket), f"{label}: recontapd took every detection")

        rc = terminate(dataplane)
        check(rc == 0, f"{label}: recontap exits 0 on SIGTERM (got {rc}: {open(dp_log.name).read()[-400:]!r})")
        dp_stats = json.load(open(os.path.join(run_dir, "dp", "stats.json")))["total"]
        check(dp_stats["packets"] == received and dp_stats["drops"]["port_missed"] == sent - received,
              f"{label}: stats.json packets {dp_stats['packets']} == {received}, port_missed "
              f"{dp_stats['drops']['port_missed']} == {sent - received}")
        check(not os.path.exists("/dev/shm" + shm), f"{label}: /dev/shm{shm} removed")
        runtime = f"/var/run/dpdk/recontap-{dataplane.pid}"
        check(not os.path.exists(runtime), f"{label}: DPDK runtime dir {runtime} removed")
        leftovers = [n for n in os.listdir("/dev/shm") if f"recontap-{dataplane.pid}" in n]
        check(not leftovers, f"{label}: no DPDK files of the run in /dev/shm ({leftovers})")

        daemon.send_signal(signal.SIGTERM)
        check(daemon.wait(20) == 0, f"{label}: recontapd exits 0 on SIGTERM")
        return None if stall else alert_set(os.path.join(run_dir, "log", "eve.json"))
    finally:
        for p in (dataplane, daemon):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        try:
            os.unlink("/dev/shm" + shm)
        except FileNotFoundError:
            pass


def main():
    build = sys.argv[1]
    bins = {"recontap": os.path.join(build, "app/recontap/recontap"),
            "recontapd": os.path.join(build, "app/recontapd/recontapd"),
            "recontapctl": os.path.join(build, "app/recontapctl/recontapctl")}
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "recontap-gen")
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, veth, AF_PACKET)")
        return 77
    if sh("ip", "netns", "list").returncode != 0 or not shutil.which("tcpreplay"):
        print("SKIP: needs `ip netns` (iproute2) and tcpreplay")
        return 77
    try:
        with Namespace("probe"):
            pass
    except RuntimeError as e:  # root in a container without CAP_SYS_ADMIN / CAP_NET_ADMIN, no veth module
        print(f"SKIP: cannot create a network namespace with a veth pair: {e}")
        return 77
    if not all(os.access(b, os.X_OK) for b in bins.values()):
        print(f"SKIP: {bins} not all built (dataplane disabled?)")
        return 77
    # meson's timeout sends SIGTERM: unwind so namespaces and processes are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="recontap-live-")
    capture = os.path.join(tmp, "live.pcap")
    r = sh(gen, "--out", capture, *GEN_ARGS)
    if not check(r.returncode == 0, f"recontap-gen {' '.join(GEN_ARGS)} ({r.stderr.strip()[-300:]})"):
        return 1
    truth = json.load(open(os.path.join(tmp, "live.truth.json")))
    expected = {(a["client"], a["detector"], a["tier"]) for a in truth["alerts"]}

    # Offline: the same configuration (its [[port]] is ignored with -r); packet time is the capture's.
    off_dir = os.path.join(tmp, "offline")
    os.makedirs(off_dir)
    cfg = os.path.join(off_dir, "offline.toml")
    write_config(cfg, truth["site"], off_dir, f"/recontap-live-{os.getpid()}-offline", "unused0")
    r = sh(bins["recontap"], "-r", capture, "-c", cfg, "-l", os.path.join(off_dir, "log"), timeout=120)
    if not check(r.returncode == 0, f"offline run exits 0 ({r.stderr.strip()[-300:]})"):
        return 1
    offline = alert_set(os.path.join(off_dir, "log", "eve.json"))
    offline_total = json.load(open(os.path.join(off_dir, "log", "stats.json")))["total"]
    check(offline == expected, f"offline alerts == recontap-gen's truth; missing {sorted(expected - offline)} "
                               f"unexpected {sorted(offline - expected)}")
    check(offline_total["packets_local_time"] == 0, "offline: every packet timed by the capture")

    for label, replay_args, qpairs in SPEEDS:
        got = live_run(bins, tmp, label, replay_args, capture, truth["site"], offline_total, qpairs=qpairs)
        if got is not None:
            check(got == offline, f"{label}: live alerts == offline ({len(offline)}); missing {sorted(offline - got)} "
                                  f"unexpected {sorted(got - offline)}")
    # Two workers each reading its own socket of the fanout group (rx_queues = "per_worker"): the kernel
    # spreads flows over them, so most clients' frames arrive at both and are handed to their owner.
    got = live_run(bins, tmp, "per_worker", ["--pps=4000"], capture, truth["site"], offline_total, workers=2)
    if got is not None:
        check(got == offline, f"per_worker: live alerts == offline ({len(offline)}); missing {sorted(offline - got)} "
                              f"unexpected {sorted(got - offline)}")
    live_run(bins, tmp, "stalled", ["--topspeed"], capture, truth["site"], offline_total, stall=True)
    print(f"{len(failures)} failures; {time.monotonic() - started:.1f} s")
    if failures:
        print(f"kept {tmp} for inspection")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
