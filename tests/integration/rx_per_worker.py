#!/usr/bin/python3
"""[dataplane] rx_queues = "per_worker" end to end: every worker reads its own
queue of a live port and hands the frames of clients it does not own to their
owner. The port is net_pcap with two rx_pcap files, one receive queue each
(net_pcap stamps the capture's times, so packet time is the offline run's).
The capture is split by client, as a NIC's client-affine RSS would split it,
so each client's frames keep their order; worker q reads file q, and a
client whose file is the other worker's queue is handed over to its owner.

Asserts: the alert set and the query/response counts equal the offline run
of the whole capture; every frame read once (port rx = capture) and handled
once (worker packets = capture), none dropped; both workers handle;
recontapctl status while it runs; exit 0 on SIGTERM with stats.json
agreeing. The same for a port with more queues than readers, whose queues
are shared out (one worker reading both; the main lcore reading both with
rx_queues = "one"): none may go unread. And the refusals, exit 2 with the
reason: more workers than the port has queues, a [[port]] that does not come
up, a bad rx_queues value (FILE:LINE:COL).

usage: rx_per_worker.py BUILD_DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zlib

from scapy.all import IP, IPv6, UDP, rdpcap, wrpcap  # noqa: E402

from live_checks import all_delivered, alert_set, check, ctl, failures, sh, terminate, wait_for  # noqa: E402

GEN_ARGS = ["--seed", "21", "--minutes", "1", "--clients", "2", "--scenario",
            "dnsrecon", "axfr_refused", "version_bind", "outsider", "pdns_then_probe"]


def split_by_client(capture, parts):
    """The capture's frames in `parts` files, each client's frames (queries from it, responses to it) in one."""
    out = [[] for _ in parts]
    for frame in rdpcap(capture):
        ip = frame[IP] if IP in frame else frame[IPv6]
        client = ip.dst if UDP in frame and frame[UDP].sport == 53 else ip.src
        out[zlib.crc32(client.encode()) % len(parts)].append(frame)
    for frames, path in zip(out, parts):
        wrpcap(path, frames)
    return [len(f) for f in out]


def write_config(path, site, run_dir, workers, rx_queues, vdev=None, burst=32):
    lines = ["[site]"] + [f"{k} = {json.dumps(site[k])}" for k in ("internal_networks", "internal_zones", "dns_servers")]
    if vdev:
        lines += ["[[port]]", f'vdev = "{vdev}"']
    lines += ["[mgmt]", f'socket = "{run_dir}/recontapd.sock"', f'shm = "/recontap-rxpw-{os.getpid()}-{os.path.basename(run_dir)}"',
              f'logdir = "{run_dir}/log"', "[dataplane]", f"workers = {workers}", f"rx_queues = {json.dumps(rx_queues)}",
              f"burst = {burst}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def live_run(bins, run_dir, cfg, total, offline, offline_total, workers):
    label = os.path.basename(run_dir)
    socket = os.path.join(run_dir, "recontapd.sock")
    daemon = subprocess.Popen([bins["recontapd"], "-c", cfg, "-l", os.path.join(run_dir, "log")],
                              stdout=open(os.path.join(run_dir, "recontapd.out"), "w"), stderr=subprocess.STDOUT)
    dp_log = os.path.join(run_dir, "recontap.out")
    dataplane = None
    try:
        check(wait_for(lambda: ctl(bins, socket, "status"), 10) is not None, f"{label}: recontapd answers")
        dataplane = subprocess.Popen([bins["recontap"], "-c", cfg, "-l", os.path.join(run_dir, "dp")],
                                     stdout=open(dp_log, "w"), stderr=subprocess.STDOUT)

        def settled():
            s = ctl(bins, socket, "stats")
            return s if s and s["totals"].get("packets", 0) >= total and s["totals"].get("port_rx_packets", 0) >= total else None
        stats = wait_for(settled, 30) or ctl(bins, socket, "stats")
        if not check(stats is not None, f"{label}: recontapctl stats answers ({open(dp_log).read()[-400:]!r})"):
            return
        status = ctl(bins, socket, "status")
        check(status and status["dataplane"]["attached"] and status["dataplane"]["workers"] == workers,
              f"{label}: status: data plane attached with {workers} worker(s) ({status and status['dataplane']})")
        t = stats["totals"]
        check(t["port_rx_packets"] == total and t["packets"] == total,
              f"{label}: every frame read once and handled once: port rx {t['port_rx_packets']}, workers {t['packets']}, "
              f"capture {total}")
        check(t["queries"] == offline_total["queries"] and t["responses"] == offline_total["responses"],
              f"{label}: queries {t['queries']}/{offline_total['queries']} responses {t['responses']}/{offline_total['responses']} "
              "as offline")
        check(stats["drops"]["steer"] == 0 and stats["drops"]["rx_missed"] == 0, f"{label}: no drops ({stats['drops']})")
        handled = [w["packets"] for w in stats["workers"]]
        check(len(handled) == workers and all(handled), f"{label}: every worker handles frames ({handled})")
        check(all_delivered(bins, socket), f"{label}: recontapd took every detection")

        rc = terminate(dataplane)
        check(rc == 0, f"{label}: recontap exits 0 on SIGTERM (got {rc}: {open(dp_log).read()[-400:]!r})")
        dp = json.load(open(os.path.join(run_dir, "dp", "stats.json")))
        check(dp["total"]["packets"] == total and dp["total"]["drops"]["steer"] == 0,
              f"{label}: stats.json: {dp['total']['packets']} packets, steer drops {dp['total']['drops']['steer']}")
        daemon.send_signal(signal.SIGTERM)
        check(daemon.wait(20) == 0, f"{label}: recontapd exits 0 on SIGTERM")
        got = alert_set(os.path.join(run_dir, "log", "eve.json"))
        check(got == offline, f"{label}: alerts == offline ({len(offline)}); missing {sorted(offline - got)} "
                              f"unexpected {sorted(got - offline)}")
    finally:
        for p in (dataplane, daemon):
            if p and p.poll() is None:
                p.kill()
                p.wait()


def main():
    build = sys.argv[1]
    bins = {n: os.path.join(build, "app", n, n) for n in ("recontap", "recontapd", "recontapctl")}
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "recontap-gen")
    tmp = tempfile.mkdtemp(prefix="recontap-rxpw-")
    capture = os.path.join(tmp, "whole.pcap")
    r = sh(gen, "--out", capture, *GEN_ARGS)
    if not check(r.returncode == 0, f"recontap-gen {' '.join(GEN_ARGS)} ({r.stderr.strip()[-300:]})"):
        return 1
    site = json.load(open(os.path.join(tmp, "whole.truth.json")))["site"]
    parts = [os.path.join(tmp, f"queue{q}.pcap") for q in range(2)]
    sizes = split_by_client(capture, parts)
    total = sum(sizes)
    check(all(sizes), f"both queues get frames ({sizes})")

    off_dir = os.path.join(tmp, "offline")
    os.makedirs(off_dir)
    cfg = os.path.join(off_dir, "c.toml")
    write_config(cfg, site, off_dir, 2, "per_worker")  # ignored with -r: a capture is read on one queue
    r = sh(bins["recontap"], "-r", capture, "-c", cfg, "-l", os.path.join(off_dir, "log"), timeout=120)
    if not check(r.returncode == 0, f"offline run exits 0 ({r.stderr.strip()[-300:]})"):
        return 1
    offline = alert_set(os.path.join(off_dir, "log", "eve.json"))
    offline_total = json.load(open(os.path.join(off_dir, "log", "stats.json")))["total"]
    check(len(offline) >= 5, f"the offline run alerts ({len(offline)})")

    vdev = "net_pcap0," + ",".join(f"rx_pcap={p}" for p in parts)
    # Two workers a queue each; one worker reading both queues; the main lcore
    # reading both; two workers a frame at a time and 512 at a time.
    for label, workers, rx_queues, burst in (("per_worker", 2, "per_worker", 32), ("one_reader", 1, "per_worker", 32),
                                             ("main_lcore", 2, "one", 32), ("burst1", 2, "per_worker", 1),
                                             ("burst512", 2, "per_worker", 512)):
        live_dir = os.path.join(tmp, label)
        os.makedirs(live_dir)
        cfg = os.path.join(live_dir, "c.toml")
        write_config(cfg, site, live_dir, workers, rx_queues, vdev, burst)
        live_run(bins, live_dir, cfg, total, offline, offline_total, workers)

    # Three workers, two queues: refused, with the reason, before any frame is read.
    bad_dir = os.path.join(tmp, "three")
    os.makedirs(bad_dir)
    cfg = os.path.join(bad_dir, "c.toml")
    write_config(cfg, site, bad_dir, 3, "per_worker", vdev)
    r = sh(bins["recontap"], "-c", cfg, "-l", os.path.join(bad_dir, "dp"), timeout=60)
    check(r.returncode == 2 and 'rx_queues = "per_worker" needs 3 receive queues, the port has 2' in r.stderr,
          f"3 workers on a 2-queue port: exit 2 with the reason (got {r.returncode}: {r.stderr.strip()[-300:]!r})")
    missing = os.path.join(tmp, "no-such.pcap")
    write_config(cfg, site, bad_dir, 2, "per_worker", vdev)
    with open(cfg, "a") as f:  # a second port that cannot come up
        f.write(f'[[port]]\nvdev = "net_pcap1,rx_pcap={missing}"\n')
    r = sh(bins["recontap"], "-c", cfg, "-l", os.path.join(bad_dir, "dp"), timeout=60)
    check(r.returncode == 2 and "1 of 2 [[port]]s came up; not net_pcap1" in r.stderr,
          f"a port that does not come up: exit 2 naming it (got {r.returncode}: {r.stderr.strip()[-300:]!r})")
    write_config(cfg, site, bad_dir, 2, "rss", vdev)
    r = sh(bins["recontap"], "-c", cfg, "-l", os.path.join(bad_dir, "dp"), timeout=60)
    check(r.returncode == 2 and 'rx_queues: must be "one" or "per_worker"' in r.stderr and "c.toml:" in r.stderr,
          f"bad rx_queues: exit 2 with FILE:LINE:COL (got {r.returncode}: {r.stderr.strip()[-200:]!r})")

    if failures:
        print(f"{len(failures)} failures; kept {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("0 failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
