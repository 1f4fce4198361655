"""What the data-plane tests that run the real programs (live_replay.py, rx_per_worker.py,
delivery_wait.py) share: checks that print and collect their failures, the binary or a SKIP,
running and waiting, and reading alerts and recontapctl's JSON."""
import json
import os
import signal
import subprocess
import time

failures = []  # the failed checks' descriptions, in order


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def built_recontap(build):
    """BUILD/app/recontap/recontap, or None (said as a SKIP line) when the data plane was not built."""
    path = os.path.join(build, "app/recontap/recontap")
    if os.access(path, os.X_OK):
        return path
    print(f"SKIP: {path} not built (dataplane disabled?)")
    return None


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, **kw)


def wait_for(predicate, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def alert_set(eve_path):
    """(client, detector, tier) of every alert in an eve.json."""
    with open(eve_path) as f:
        alerts = [json.loads(line) for line in f if line.strip()]
    return {(a["src_ip"], a["alert"]["metadata"]["detector"][0], int(a["alert"]["metadata"]["tier"][0]))
            for a in alerts}


def ctl(bins, socket, cmd):
    """recontapctl CMD --json, parsed; None when it fails."""
    r = sh(bins["recontapctl"], "-s", socket, cmd, "--json", timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


def terminate(proc, timeout=60):
    """SIGTERM, then its exit status, or None when it has not exited within timeout seconds."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


def all_delivered(bins, socket, timeout=10):
    """recontapd has taken every detection the data plane wrote (nothing pending)."""
    return wait_for(lambda: (ctl(bins, socket, "status") or {}).get("totals", {}).get("pending") == 0, timeout)
