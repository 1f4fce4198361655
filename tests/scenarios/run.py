#!/usr/bin/python3
"""Scenario runner: every tests/scenarios/NNN_name/ folder through the real recontap.

For each folder: make the capture (capture.pcap if the folder has one, else
tools/recontap-gen with the folder's gen.args), run
  BUILD/app/recontap/recontap -r CAP -c CONFIG -l LOGDIR --workers W
for each worker count, read the alerts of LOGDIR/eve.json as (src_ip,
detector, tier) and require exactly the folder's expected.json (a client
written as a prefix, "fd00:0:0:66::/64", matches any src_ip inside it): every
expected alert present, nothing else, the same for every worker count. Each
alert line must also validate against Suricata's EVE schema when
../shared/ecosystem/suricata-eve-schema.json is there.

Exit 0: all pass; 1: a failure; 77: the recontap binary is not built.
"""
import argparse
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(REPO, "tools", "recontap-gen")
SCHEMA = os.path.join(os.path.dirname(REPO), "shared", "ecosystem", "suricata-eve-schema.json")
RUN_TIMEOUT_S = 300
DPDK_RUNTIME = "/var/run/dpdk"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", required=True, help="meson build folder holding app/recontap/recontap")
    p.add_argument("--only", action="append", default=[], metavar="NNN",
                   help="run only folders whose name starts with this (repeatable)")
    p.add_argument("--workers", default="1,2,4", help="worker counts to run each capture with (default 1,2,4)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (captures, configs, logs)")
    args = p.parse_args()
    try:
        args.workers = [int(w) for w in args.workers.split(",")]
    except ValueError:
        p.error("--workers takes a comma-separated list of numbers, not %r" % args.workers)
    return args


def folders(only):
    names = sorted(d for d in os.listdir(HERE) if re.match(r"\d{3}_", d) and os.path.isdir(os.path.join(HERE, d)))
    return [n for n in names if not only or any(n.startswith(o) for o in only)]


def make_capture(folder, tmp):
    """Path of the folder's capture: the hand-made one, or a generated one."""
    given = os.path.join(HERE, folder, "capture.pcap")
    if os.path.exists(given):
        return given
    with open(os.path.join(HERE, folder, "gen.args")) as f:
        gen_args = shlex.split(f.read())
    out = os.path.join(tmp, "capture.pcap")
    r = subprocess.run([GEN, "--out", out] + gen_args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("recontap-gen %s failed (%d): %s" % (" ".join(gen_args), r.returncode, r.stderr.strip()))
    return out


def write_config(folder, tmp, workers):
    """The folder's config plus a private shared-memory name and socket, so runs never meet."""
    with open(os.path.join(HERE, folder, "config.toml")) as f:
        text = f.read()
    if re.search(r"^\s*\[mgmt\]", text, re.M):
        raise RuntimeError("config.toml must not set [mgmt]: the runner gives each run its own")
    text += '\n[mgmt]\nshm = "/recontap-scn-%d-%s-w%d"\nsocket = "%s"\n' % (
        os.getpid(), folder[:3], workers, os.path.join(tmp, "d%d.sock" % workers))
    path = os.path.join(tmp, "config-w%d.toml" % workers)
    with open(path, "w") as f:
        f.write(text)
    return path


def load_validator():
    if not os.path.exists(SCHEMA):
        print("note: %s not found: EVE lines are not schema-checked" % SCHEMA)
        return None
    import jsonschema
    with open(SCHEMA) as f:
        schema = json.load(f)
    return jsonschema.Draft7Validator(schema)


def read_alerts(eve_path, validator):
    """Set of (src_ip, detector, tier) and a list of problems with the file's lines."""
    alerts, problems = set(), []
    if not os.path.exists(eve_path):
        return alerts, ["no eve.json written"]
    with open(eve_path) as f:
        for n, line in enumerate(f, 1):
            try:
                event = json.loads(line)
            except ValueError as e:
                problems.append("eve.json:%d: not JSON: %s" % (n, e))
                continue
            if validator is not None:
                for err in list(validator.iter_errors(event))[:1]:
                    problems.append("eve.json:%d: schema: %s at %s" % (n, err.message, "/".join(map(str, err.path))))
            if event.get("event_type") != "alert":
                continue
            meta = event.get("alert", {}).get("metadata", {})
            try:
                alerts.add((event["src_ip"], meta["detector"][0], int(meta["tier"][0])))
            except (KeyError, IndexError, ValueError, TypeError):
                problems.append("eve.json:%d: alert without src_ip / metadata.detector / metadata.tier" % n)
    return alerts, problems


def run_one(binary, capture, config, logdir, workers):
    os.makedirs(logdir)
    cmd = [binary, "-r", capture, "-c", config, "-l", logdir, "--workers", str(workers)]
    began = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return "timed out after %d s: %s" % (RUN_TIMEOUT_S, " ".join(cmd)), 0.0
    finally:
        # DPDK leaves its runtime folder (file prefix recontap-PID) behind; this run's is ours to remove.
        shutil.rmtree(os.path.join(DPDK_RUNTIME, "recontap-%d" % proc.pid), ignore_errors=True)
    elapsed = time.monotonic() - began
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-5:]
        return "exit %d: %s\n      %s" % (proc.returncode, " ".join(cmd), "\n      ".join(tail)), elapsed
    return None, elapsed


def client_of(src_ip, expected):
    """An alert's src_ip, or the expected prefix it falls in (IPv6 clients aggregated by prefix)."""
    address = ipaddress.ip_address(src_ip)
    for client, _, _ in expected:
        if "/" in client and address in ipaddress.ip_network(client):
            return client
    return src_ip


def fmt(alert):
    return "%s %s tier %d" % alert


def check_folder(folder, binary, worker_counts, validator, tmp_root):
    """Runs one scenario; returns a list of failure lines (empty: passed)."""
    tmp = os.path.join(tmp_root, folder[:3])
    os.makedirs(tmp)
    with open(os.path.join(HERE, folder, "expected.json")) as f:
        expected = {(a["client"], a["detector"], int(a["tier"])) for a in json.load(f)}
    capture = make_capture(folder, tmp)
    failures, seen = [], {}
    for w in worker_counts:
        logdir = os.path.join(tmp, "log-w%d" % w)
        error, elapsed = run_one(binary, capture, write_config(folder, tmp, w), logdir, w)
        if error:
            failures.append("workers=%d: recontap %s" % (w, error))
            continue
        got, problems = read_alerts(os.path.join(logdir, "eve.json"), validator)
        got = {(client_of(src, expected), d, tier) for src, d, tier in got}
        seen[w] = got
        failures += ["workers=%d: %s" % (w, p) for p in problems[:5]]
        missing, unexpected = sorted(expected - got), sorted(got - expected)
        failures += ["workers=%d: missing    %s" % (w, fmt(a)) for a in missing]
        failures += ["workers=%d: unexpected %s" % (w, fmt(a)) for a in unexpected]
        print("  workers=%d: %d alerts, %.1f s%s" % (w, len(got), elapsed, "" if got == expected else "  MISMATCH"))
    if len({frozenset(s) for s in seen.values()}) > 1:
        failures.append("results differ between worker counts: " +
                        "; ".join("%d: %s" % (w, ", ".join(map(fmt, sorted(s)))) for w, s in seen.items()))
    return failures


def main():
    args = parse_args()
    binary = os.path.join(os.path.abspath(args.build), "app", "recontap", "recontap")
    if not os.access(binary, os.X_OK):
        print("SKIP: %s is not built: the scenario tests need the real recontap" % binary)
        return 77
    names = folders(args.only)
    if not names:
        print("no scenario folder matches %s" % args.only)
        return 1
    validator = load_validator()
    tmp_root = tempfile.mkdtemp(prefix="rtscn-")
    failed = {}
    try:
        for folder in names:
            print("%s:" % folder, flush=True)
            try:
                failures = check_folder(folder, binary, args.workers, validator, tmp_root)
            except (OSError, RuntimeError, ValueError) as e:
                failures = ["could not run: %s" % e]
            if failures:
                failed[folder] = failures
                print("  FAIL\n" + "\n".join("    " + line for line in failures), flush=True)
            else:
                print("  ok", flush=True)
    finally:
        if args.keep:
            print("kept %s" % tmp_root)
        else:
            shutil.rmtree(tmp_root, ignore_errors=True)
    print("\n%d of %d scenarios passed (workers %s)%s" % (
        len(names) - len(failed), len(names), ",".join(map(str, args.workers)),
        "; failed: " + ", ".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
