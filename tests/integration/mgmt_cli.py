#!/usr/bin/python3
"""recontapctl against the real daemon: --json values exact, tables readable,
clear errors and exit statuses; recontapd's own usage and config errors."""
import os
import subprocess

from mgmt_harness import Env, check, equal, rec

SCRIPT = {
    "workers": 2,
    "header": {"steer_drops": 7, "rx_missed": 2, "rx_packets": 2100},
    "counters": [
        {"worker": 0, "rx_packets": 1000, "dns_queries": 600, "dns_responses": 380,
         "malformed": {"name_pointer_loop": 3, "dns_short_header": 1}},
        {"worker": 1, "rx_packets": 1100, "dns_queries": 700, "dns_responses": 390, "clients_evicted": 4,
         "malformed": {"name_pointer_loop": 2}},
    ],
    "records": [
        rec("NXD", "10.0.3.1", 0, worker=0),
        rec("NXD", "10.0.3.1", 10, worker=0, repeat=2, step_s=1),   # suppressed
        rec("RARE", "10.0.3.1", 20, worker=0, qtype=255),
        rec("PDNS", "10.0.3.2", 30, worker=1, name="crt.sh"),
        rec("BULK", "10.0.3.3", 40, worker=1),
    ],
}

with Env("cli") as env:
    hold = os.path.join(env.dir, "release")
    env.start_daemon()
    fake = env.start_fake(SCRIPT, "--hold-file", hold)
    equal(fake.stdout.readline().strip(), "acked 6", "fake data plane acknowledged")

    status = env.ctl_json("status")
    dp, totals = status["dataplane"], status["totals"]
    equal((dp["attached"], dp["state"], dp["workers"], dp["pid"]), (True, "input_done", 2, fake.pid), "data plane")
    equal(len(dp["boot_id"]), 16, "boot id as 16 hex digits")
    equal(totals, {"records_taken": 6, "alerts": 4, "tier1": 3, "tier2": 1, "suppressed": 2, "pending": 0,
                   "ring_drops": 0}, "status totals")

    stats = env.ctl_json("stats")
    w0, w1 = stats["workers"]
    equal((w0["packets"], w0["queries"], w0["dns_messages"], w0["malformed_total"]), (1000, 600, 980, 4),
          "worker 0 counters")
    equal(w0["malformed"]["name_pointer_loop"], 3, "worker 0 name_pointer_loop")
    equal(w0["malformed"]["dns_short_header"], 1, "worker 0 dns_short_header")
    equal(w0["ring"], {"head": 4, "tail": 4, "pending": 0}, "worker 0 ring")
    equal(w0["drops"]["event_ring"], 0, "worker 0 ring drops")
    equal(w1["drops"]["client_evictions"], 4, "worker 1 evictions")
    equal(stats["totals"]["malformed"]["name_pointer_loop"], 5, "malformed summed over workers")
    equal(stats["totals"]["packets"], 2100, "packets summed")
    equal((stats["drops"]["steer"], stats["drops"]["rx_missed"], stats["drops"]["event_ring"],
           stats["drops"]["client_evictions"]), (7, 2, 0, 4), "drops")
    equal((stats["daemon"]["records_taken"], stats["daemon"]["alerts_written"], stats["daemon"]["eve_lines"]),
          (6, 4, 4), "daemon delivery counters")

    recent = env.ctl_json("detections", "--limit", "2")["detections"]
    equal(len(recent), 2, "detections --limit 2")
    all_recent = env.ctl_json("detections")["detections"]
    pairs = [(a["alert"]["context"]["worker"], a["src_ip"], a["alert"]["metadata"]["detector"][0])
             for a in all_recent]
    equal(sorted(pairs), [(0, "10.0.3.1", "NXD"), (0, "10.0.3.1", "RARE"), (1, "10.0.3.2", "PDNS"),
                          (1, "10.0.3.3", "BULK")], "detections")
    equal([p for p in pairs if p[0] == 0], [(0, "10.0.3.1", "NXD"), (0, "10.0.3.1", "RARE")], "worker 0 in order")
    equal(recent, all_recent[-2:], "--limit keeps the newest")
    times = [a["timestamp"] for a in all_recent]
    equal(times, sorted(times), "detections in packet-time order across workers")
    equal([a["alert"]["metadata"]["detector"][0] for a in recent], ["PDNS", "BULK"], "the newest two by packet time")

    top = env.ctl_json("top")["top"]
    # The Tier 2 client first, though it has fewer alerts than 10.0.3.1.
    equal([(t["client"], t["highest_tier"], t["alerts"], t["tier2"]) for t in top],
          [("10.0.3.3", 2, 1, 1), ("10.0.3.1", 1, 2, 0), ("10.0.3.2", 1, 1, 0)], "top clients")
    equal(top[1]["detectors"], {"NXD": 1, "RARE": 1}, "top clients' detectors")

    # Human tables.
    out = env.ctl("status").stdout
    check("attached" in out and "input_done" in out and "tier 2: 1" in out, out)
    out = env.ctl("stats").stdout
    check("name_pointer_loop" in out and "packets" in out and "steer" in out, out)
    out = env.ctl("detections").stdout
    check("10.0.3.3" in out and "BULK" in out and "crt.sh" in out, out)
    out = env.ctl("top").stdout
    check(out.splitlines()[0].split()[:4] == ["rank", "client", "tier", "alerts"], out)
    check(out.splitlines()[1].split()[:4] == ["1", "10.0.3.3", "2", "1"], out)

    # Control commands are answered by the data plane's main lcore; this fake never answers.
    r = env.ctl("rules", "test", "crt.sh")
    equal(r.returncode, 1, "rules test without an answering data plane")
    check("no reply from the data plane within 3.0 s to 'rules-test'" in r.stderr, r.stderr)
    check("generation unknown" in env.ctl("status").stdout, "status: rule generation unknown")
    equal(env.ctl_json("status")["dataplane"]["settings"], {"known": False}, "settings unknown")
    for args in (["rules"], ["rules", "test"], ["thresholds", "set", "bulk_queries"], ["thresholds", "get"]):
        equal(env.ctl(*args).returncode, 2, f"recontapctl {args}: usage error")

    # Errors: usage -> 2, daemon unreachable -> 1, one line each.
    for args in (["bogus"], [], ["status", "--limit", "x"], ["detections", "--limit", "0"]):
        r = env.ctl(*args)
        equal(r.returncode, 2, f"recontapctl {args} exit status")
    equal(env.ctl("detections", "--limit", "0").stderr.splitlines()[0], "recontapctl: --limit needs a positive number",
          "--limit 0")
    for args in (["help"], ["--help"]):
        r = env.ctl(*args)
        check(r.returncode == 0 and r.stdout.startswith("usage: recontapctl") and "blocklist" in r.stdout,
              f"recontapctl {args}: the usage, exit 0 ({r.returncode}: {r.stdout[:80]!r} {r.stderr!r})")
    # Arguments that are not UTF-8 (a Latin-1 terminal): a usage error, not an abort.
    for args in (["watchlist", "add", "10.0.0.1", "--note", b"caf\xe9"], ["rules", "test", b"\xc3"]):
        r = subprocess.run([env.recontapctl, "-s", env.socket, *args], capture_output=True, text=True, timeout=30)
        equal((r.returncode, r.stderr), (2, "recontapctl: arguments must be UTF-8 text\n"), f"recontapctl {args}")
    r = env.ctl("status", socket_path=os.path.join(env.dir, "nobody.sock"))
    equal(r.returncode, 1, "recontapctl against no daemon")
    equal(len(r.stderr.strip().splitlines()), 1, f"one line: {r.stderr!r}")
    check("cannot reach recontapd" in r.stderr and "is recontapd running?" in r.stderr, r.stderr)

    open(hold, "w").close()
    rc, _, err = env.finish(fake, "fake data plane")
    equal(rc, 0, f"fake exit status (stderr: {err})")
    env.wait_for(lambda: env.request({"cmd": "status"})["dataplane"]["attached"] is False, "detached")
    equal(env.request({"cmd": "status"})["dataplane"]["reason"], "data plane stopped", "reason after stop")
    r = env.ctl("rules", "reload")
    equal((r.returncode, r.stderr.strip()), (1, "recontapctl: recontapd: data plane not attached: data plane stopped"),
          "reload with no data plane")
    # Thresholds with no data plane: recontapd's own, and why the rest are missing.
    t = env.ctl_json("thresholds")
    check("not attached" in t.get("dataplane_error", "") and "suppress_s" in t["thresholds"] and
          "bulk_queries" not in t["thresholds"], f"thresholds without a data plane: recontapd's only ({t})")
    out = env.ctl("thresholds").stdout
    check("recontapd's only; the data plane's are unknown: data plane not attached" in out and "suppress_s" in out, out)

# recontapd's own errors: usage and configuration -> exit 2 with one line.
with Env("daemon-errors") as env:
    import subprocess
    r = subprocess.run([env.recontapd, "--bogus"], capture_output=True, text=True, timeout=10)
    equal(r.returncode, 2, "recontapd --bogus")
    bad = os.path.join(env.dir, "bad.toml")
    with open(bad, "w") as f:
        f.write("[mgmt]\nno_such_key = 1\n")
    r = subprocess.run([env.recontapd, "-c", bad, "--socket", env.socket], capture_output=True, text=True,
                       timeout=10)
    equal(r.returncode, 2, f"recontapd with a bad config (stderr: {r.stderr})")
    lines = r.stderr.strip().splitlines()
    equal(len(lines), 1, f"one line for a bad config: {r.stderr!r}")
    check(lines[0].startswith("recontapd: " + bad + ":"), f"names the program and the file: {lines[0]}")
    # Values that would quietly mean something else: refused up front.
    for args, words in ((["--shm", "a/b"], "--shm a/b: a POSIX shared-memory name"),
                        (["--shm", "/"], "--shm /: a POSIX shared-memory name"),
                        (["-c", ""], "-c needs a value, not an empty string"),
                        (["--shm", ""], "--shm needs a value, not an empty string")):
        r = subprocess.run([env.recontapd, *args, "--socket", env.socket], capture_output=True, text=True, timeout=10)
        check(r.returncode == 2 and r.stderr.startswith("recontapd: " + words.split(":")[0]) and words in r.stderr,
              f"recontapd {args}: exit 2, '{words}' ({r.returncode}: {r.stderr.strip()[:200]!r})")
    # A log folder it cannot write: bad input, exit 2 with the reason.
    blocker = os.path.join(env.dir, "a-file")
    open(blocker, "w").close()
    r = subprocess.run([env.recontapd, "-l", os.path.join(blocker, "logs"), "--socket", env.socket],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "recontapd: " in r.stderr, f"unwritable log folder: exit 2 ({r.returncode}: {r.stderr!r})")
print("ok")
