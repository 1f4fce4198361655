#!/usr/bin/python3
"""recontapd and recontapctl take the socket, region, log folder and the
escalation thresholds from the configuration file when no flag overrides them."""
import os
import subprocess

from mgmt_harness import Env, alerts_by, equal, rec

with Env("config") as env:
    conf = os.path.join(env.dir, "recontap.toml")
    with open(conf, "w") as f:
        f.write(f'[mgmt]\nsocket = "{env.socket}"\nshm = "{env.shm}"\nlogdir = "{env.logdir}"\n\n'
                "[detectors]\nsuppress_s = 60\ncorrelation_window_s = 30\n")
    log = open(os.path.join(env.dir, "recontapd-1.log"), "w")
    env.daemon_logs = 1
    daemon = subprocess.Popen([env.recontapd, "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    env.procs.append(daemon)
    env.wait_for(lambda: env.try_request({"cmd": "status"}) is not None, "recontapd on the configured socket")
    records = [
        rec("NXD", "10.0.6.1", 0),
        rec("NXD", "10.0.6.1", 59),    # within 60 s: suppressed
        rec("NXD", "10.0.6.1", 60),    # period over: alert carrying 1
        rec("PDNS", "10.0.6.1", 91),   # NXD 31 s before: outside the 30 s window -> Tier 1
        rec("SENS", "10.0.6.1", 120),  # PDNS 29 s before: Tier 2
    ]
    rc, out, err = env.finish(env.start_fake({"workers": 1, "records": records}), "fake data plane")
    equal((rc, out.strip()), (0, "acked 5"), f"fake on the configured region (stderr: {err})")
    lines = env.eve_lines()  # in the configured log folder
    equal(alerts_by(lines), [("10.0.6.1", "NXD", "1"), ("10.0.6.1", "NXD", "1"), ("10.0.6.1", "PDNS", "1"),
                             ("10.0.6.1", "SENS", "2")], "alerts under the configured thresholds")
    equal(lines[1]["alert"]["context"]["suppressed_since_last"], 1, "repeat count")
    r = subprocess.run([env.recontapctl, "-c", conf, "status", "--json"], capture_output=True, text=True, timeout=20)
    equal(r.returncode, 0, f"recontapctl -c (stderr: {r.stderr})")
    equal(__import__("json").loads(r.stdout)["totals"]["alerts"], 4, "recontapctl found the configured socket")
    equal(env.stop(daemon), 0, "recontapd exit status on SIGTERM")
print("ok")
