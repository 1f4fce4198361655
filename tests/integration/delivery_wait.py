#!/usr/bin/python3
"""The end of a run and the wait for recontapd to take the last detections.

1. recontapd never takes them (the run's own daemon replaced by a stand-in
   that never attaches, RECONTAPD=a script that sleeps, as a daemon that
   hangs or was killed would): recontap says what it waits for, a signal
   during that wait stops it at once, and what was not delivered is counted
   (exit 1, stats.json drops.undelivered_detections).
2. A terminal's Ctrl-C (SIGINT to the whole process group) on a run with its
   own recontapd, on a port that never runs dry (net_pcap infinite_rx):
   recontap stops and its daemon, not stopped by the same Ctrl-C, still
   takes every detection (exit 0, nothing undelivered).
3. The same live run with the hung stand-in and a double Ctrl-C (two
   SIGINTs 0.1 s apart): the first stops the input, the second the wait,
   wherever in the stopping it lands.
4. recontapd cannot be started at all: a one-line error and exit 1, not a
   run that hangs with its workers still polling.
5. recontap killed (SIGKILL) mid-run: its own recontapd notices, leaves, and
   removes the run's shared-memory region, which recontap could not.
6. recontapd stopped during the run (SIGSTOP before it attaches, SIGCONT
   once the input is read): the worker's event ring fills, what did not fit
   is dropped and counted, the rest is delivered, and the run says what it
   lost and exits 1, not 0.

usage: delivery_wait.py BUILD_DIR
"""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from scapy.all import DNS, DNSQR, Ether, IP, UDP, wrpcap  # noqa: E402

from live_checks import built_recontap, check, failures, wait_for  # noqa: E402


def read_until(stream, needle, seconds):
    """stderr lines until one contains needle (or the time is up): all lines read."""
    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.2)
        if not ready:
            continue
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            break
    return lines


def live_config(tmp, cap):
    cfg = os.path.join(tmp, "live.toml")
    with open(cfg, "w") as f:
        f.write('[site]\ninternal_networks = ["10.0.0.0/8"]\ndns_servers = ["10.0.0.53"]\n'
                f'[[port]]\nvdev = "net_pcap_dw0,rx_pcap={cap},infinite_rx=1"\n'
                f'[mgmt]\nsocket = "{tmp}/nobody.sock"\nshm = "/recontap-dw-{os.getpid()}"\n')
    return cfg


def ctrl_c_on_a_live_run(recontap, tmp, cap):
    cfg = live_config(tmp, cap)
    logdir = os.path.join(tmp, "live-logs")
    eve = os.path.join(logdir, "eve.json")
    # A session of its own, as a shell gives a foreground job: killpg is the terminal's Ctrl-C.
    p = subprocess.Popen([recontap, "-c", cfg, "-l", logdir], stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    rc = None
    try:
        wait_for(lambda: p.poll() is not None or (os.path.exists(eve) and sum(1 for _ in open(eve)) >= 2), 30)
        check(p.poll() is None and os.path.exists(eve), "live run: both PDNS alerts written while it runs")
        rc, _ = interrupt(p, group=True)
    finally:
        end_run(p, tmp)
    said = p.stderr.read()
    check(rc == 0, f"live run: Ctrl-C to the group: exit 0, every detection taken (got {rc}: {said.strip()[-300:]})")
    stats = json.load(open(os.path.join(logdir, "stats.json")))["total"]
    check(stats["drops"]["undelivered_detections"] == 0,
          f"live run: nothing undelivered ({stats['drops']['undelivered_detections']})")
    # The replay repeats two queries as fast as it can, so BULK joins PDNS:
    # the daemon's own count of what it wrote is the reference.
    written = re.search(r"delivered: \d+ record\(s\), (\d+) alert\(s\)", said)
    lines = sum(1 for _ in open(eve))
    check(written is not None and int(written.group(1)) == lines and lines >= 2,
          f"live run: recontapd took the input whole and every alert it counted is in eve.json ({lines} lines)")


def two_signals_in_a_row(recontap, tmp, cap, stand_in):
    logdir = os.path.join(tmp, "twice-logs")
    p = subprocess.Popen([recontap, "-c", live_config(tmp, cap), "-l", logdir], stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, RECONTAPD=stand_in))
    try:
        wait_for(lambda: p.poll() is not None or os.path.exists(os.path.join(tmp, "stand-in.pid")), 30)
        time.sleep(0.5)  # reading and detecting
        rc, took = interrupt(p, times=2)
    finally:
        end_run(p, tmp)
    said = p.stderr.read()
    check(rc == 1 and took < 10, f"two SIGINTs in a row: the run ends ({took:.1f} s, exit {rc}: {said.strip()[-200:]})")
    check("stopped by a signal" in said, "two SIGINTs in a row: the second stopped the wait, and it says so")


def cannot_start_recontapd(recontap, tmp, cap, cfg):
    start = time.monotonic()
    try:
        p = subprocess.run([recontap, "-r", cap, "-c", cfg, "-l", os.path.join(tmp, "nodaemon-logs")],
                           capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, RECONTAPD=os.path.join(tmp, "no-such-recontapd")))
        rc, said = p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, said = None, (e.stderr or b"").decode()
    check(rc == 1 and "cannot start" in said and time.monotonic() - start < 20,
          f"recontapd cannot be started: exit 1 at once, saying so (exit {rc}: {said.strip()[-200:]})")


def interrupt(p, times=1, group=False):
    """SIGINT `times` times, 0.1 s apart (a double Ctrl-C: closer, the kernel may
    merge them, a signal already pending is not queued twice), to p or, as a
    terminal does, to its whole process group. Then p's exit status (None when
    it has not exited within 20 s) and the seconds from the first SIGINT."""
    start = time.monotonic()
    for i in range(times):
        if i:
            time.sleep(0.1)
        if group:
            os.killpg(p.pid, signal.SIGINT)
        else:
            p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        rc = None
    return rc, time.monotonic() - start


def end_run(p, tmp):
    """Whatever a check found, nothing the run started outlives it."""
    if p.poll() is None:
        p.kill()
        p.wait()
    stop_stand_in(tmp)


def killed_mid_run(recontap, tmp, cap):
    logdir = os.path.join(tmp, "killed-logs")
    eve = os.path.join(logdir, "eve.json")
    p = subprocess.Popen([recontap, "-c", live_config(tmp, cap), "-l", logdir], stderr=subprocess.DEVNULL)
    region = f"/dev/shm/recontap-run-{p.pid}"
    try:
        wait_for(lambda: p.poll() is not None or (os.path.exists(eve) and os.path.getsize(eve)), 30)
        check(os.path.exists(region), f"killed mid-run: the run's region {region} exists while it runs")
    finally:
        p.kill()
        p.wait()
    wait_for(lambda: not os.path.exists(region), 15)
    check(not os.path.exists(region), "killed mid-run: its recontapd removed the region after it")
    shutil.rmtree(f"/var/run/dpdk/recontap-{p.pid}", ignore_errors=True)  # EAL's own leftovers: the test's to clean


def stalled_recontapd(recontap, build, tmp, cfg):
    ring = 4096  # shm::kEventRingSlots: records a worker's ring holds
    cap = os.path.join(tmp, "outsiders.pcap")
    clients = ring + 500  # one EXT detection each: more than the ring holds
    frames = []
    for i in range(clients):
        q = Ether() / IP(src=f"198.18.{i >> 8}.{i & 255}", dst="10.0.0.53") / UDP(sport=40000, dport=53) / DNS(
            id=i & 0xffff, rd=1, qd=DNSQR(qname="www.example.com"))
        q.time = 1_780_000_020.0 + i / 1000
        frames.append(q)
    wrpcap(cap, frames)
    stalled = os.path.join(tmp, "recontapd-stalled")
    recontapd = os.path.join(build, "app", "recontapd", "recontapd")
    with open(stalled, "w") as f:  # the real daemon, stopped before it starts
        f.write(f'#!/bin/sh\necho $$ > {tmp}/stand-in.pid\nkill -STOP $$\nexec {recontapd} "$@"\n')
    os.chmod(stalled, 0o755)
    logdir = os.path.join(tmp, "stalled-logs")
    p = subprocess.Popen([recontap, "-r", cap, "-c", cfg, "-l", logdir, "--workers", "1"], stderr=subprocess.PIPE,
                         text=True, env=dict(os.environ, RECONTAPD=stalled))
    try:
        said = read_until(p.stderr, "waiting up to", 60)
        check(any("waiting up to" in line for line in said), f"stalled recontapd: the run waits for it ({said[-1:]})")
        os.kill(int(open(os.path.join(tmp, "stand-in.pid")).read()), signal.SIGCONT)
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
    finally:
        end_run(p, tmp)
    rest = p.stderr.read()
    stats = json.load(open(os.path.join(logdir, "stats.json")))["total"]
    records = stats["detections"] + stats["window_summaries"]
    dropped = stats["drops"]["event_ring"]
    check(stats["detections"] == clients, f"stalled recontapd: one EXT detection per outsider ({stats['detections']})")
    check(dropped == records - ring and stats["drops"]["undelivered_detections"] == 0,
          f"stalled recontapd: what did not fit the ring is counted as dropped ({dropped} == {records} - {ring}), "
          f"the rest delivered ({stats['drops']['undelivered_detections']} undelivered)")
    eve = os.path.join(logdir, "eve.json")
    alerts = sum(1 for _ in open(eve)) if os.path.exists(eve) else 0
    check(alerts == ring, f"stalled recontapd: every record the ring held became an alert ({alerts} == {ring})")
    check(rc == 1 and f"{dropped} detections were dropped" in rest and "drops.event_ring" in rest,
          f"stalled recontapd: exit 1, saying what was dropped and where it is counted (exit {rc}: {rest.strip()[-300:]})")


def stop_stand_in(tmp):
    """recontap stops its own daemon; if it failed to, the stand-in must not outlive the test."""
    try:
        os.kill(int(open(os.path.join(tmp, "stand-in.pid")).read()), signal.SIGKILL)
    except (OSError, ValueError):
        pass
    try:
        os.unlink(os.path.join(tmp, "stand-in.pid"))
    except OSError:
        pass


def main():
    recontap = built_recontap(sys.argv[1])
    if recontap is None:
        return 77
    tmp = tempfile.mkdtemp(prefix="recontap-delivery-")
    cap = os.path.join(tmp, "pdns.pcap")
    frames = []
    for i, name in enumerate(("crt.sh", "api.securitytrails.com")):  # two PDNS detections, two clients
        q = Ether() / IP(src=f"10.1.1.{i + 1}", dst="10.0.0.53") / UDP(sport=30000 + i, dport=53) / DNS(
            id=i, rd=1, qd=DNSQR(qname=name))
        q.time = 1_780_000_020.0 + i
        frames.append(q)
    wrpcap(cap, frames)
    # Records left for recontapd: the two PDNS detections and the workers' final
    # site-volume window summary (the site-wide SPIKE's input), counted alike.
    records = 3
    cfg = os.path.join(tmp, "site.toml")
    with open(cfg, "w") as f:
        f.write('[site]\ninternal_networks = ["10.0.0.0/8"]\ndns_servers = ["10.0.0.53"]\n'
                f'[mgmt]\nsocket = "{tmp}/nobody.sock"\n')
    stand_in = os.path.join(tmp, "recontapd-hung")
    with open(stand_in, "w") as f:
        f.write(f"#!/bin/sh\necho $$ > {tmp}/stand-in.pid\nexec sleep 300\n")  # never attaches nor exits by itself
    os.chmod(stand_in, 0o755)

    logdir = os.path.join(tmp, "logs")
    env = dict(os.environ, RECONTAPD=stand_in)
    p = subprocess.Popen([recontap, "-r", cap, "-c", cfg, "-l", logdir], stderr=subprocess.PIPE, text=True, env=env)
    try:
        said = read_until(p.stderr, "waiting up to", 30)
        check(any("waiting up to" in line and f"last {records} detections" in line and "SIGINT or SIGTERM" in line
                  for line in said), f"says it waits for recontapd, for {records} records, and how to stop ({said[-1:]})")
        rc, took = interrupt(p)
    finally:
        end_run(p, tmp)
    rest = p.stderr.read()
    if not check(took < 5, f"a signal during the wait ends it at once ({took:.1f} s; the wait is 60 s)"):
        return 1
    check(rc == 1, f"exit 1: detections were lost (got {rc})")
    check(f"{records} detections were not acknowledged before the wait was stopped by a signal" in rest and
          "recontapd never attached" in rest, f"says what was lost and why ({rest.strip()[:300]})")
    stats = json.load(open(os.path.join(logdir, "stats.json")))["total"]
    check(stats["drops"]["undelivered_detections"] == records,
          f"stats.json counts them: drops.undelivered_detections {stats['drops']['undelivered_detections']} == {records}")
    check(stats["packets"] == 2 and stats["queries"] == 2, f"the capture was read whole ({stats['packets']} packets)")

    ctrl_c_on_a_live_run(recontap, tmp, cap)
    two_signals_in_a_row(recontap, tmp, cap, stand_in)
    cannot_start_recontapd(recontap, tmp, cap, cfg)
    killed_mid_run(recontap, tmp, cap)
    stalled_recontapd(recontap, sys.argv[1], tmp, cfg)
    print(f"{len(failures)} failed" if failures else "all ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
