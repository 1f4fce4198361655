#!/usr/bin/python3
"""recontapd and a (fake) data plane meet whichever starts first; --once exits
after the data plane's input is delivered. Asserts the exact alerts."""
import os
import time

from mgmt_harness import Env, alerts_by, check, equal, rec

SCRIPT = {
    "workers": 2,
    "records": [
        rec("NXD", "10.0.0.5", 0, worker=0, rcode=3, evidence={"nxdomain": 61, "responses": 70}),
        rec("RARE", "10.0.0.6", 1, worker=1, qtype=252, detail="AXFR", transport="tcp"),
        rec("SENS", "10.0.0.7", 2, worker=0, name="vpn.corp.example", flags=["internal_zone"]),
        rec("ENUM", "2001:db8::8", 3, worker=1, evidence={"distinct_names": 250}),
    ],
}
EXPECTED = sorted([("10.0.0.5", "NXD", "1"), ("10.0.0.6", "RARE", "1"), ("10.0.0.7", "SENS", "2"),
                   ("2001:db8::8", "ENUM", "1")])


def check_run(env, fake):
    rc, out, err = env.finish(fake, "fake data plane")
    equal(rc, 0, f"fake data plane exit status (stderr: {err})")
    equal(out.strip(), "acked 4", "fake data plane's report")
    equal(sorted(alerts_by(env.eve_lines())), EXPECTED, "alerts in eve.json")


with Env("daemon-first") as env:
    env.start_daemon()
    status = env.request({"cmd": "status"})
    equal(status["dataplane"]["attached"], False, "attached before any data plane")
    check("no shared-memory region" in status["dataplane"]["reason"], f"reason: {status['dataplane']}")
    check_run(env, env.start_fake(SCRIPT))

with Env("dataplane-first") as env:
    fake = env.start_fake(SCRIPT)
    env.wait_shm()
    time.sleep(0.5)
    check(fake.poll() is None, "the data plane must wait for a daemon's acknowledgement")
    env.start_daemon()
    check_run(env, fake)

with Env("once") as env:
    fake = env.start_fake(SCRIPT)
    env.wait_shm()
    daemon = env.start_daemon("--once", wait=False)
    check_run(env, fake)
    rc, _, _ = env.finish(daemon, "recontapd --once", timeout=20)
    equal(rc, 0, "recontapd --once exit status")
    check("delivered: 4 record(s), 4 alert(s)" in env.daemon_log(), env.daemon_log())
    check(not os.path.exists(env.socket), "socket removed on exit")
with Env("once-lost") as env:
    fake = env.start_fake(SCRIPT, "--die-after-push")
    rc, out, _ = env.finish(fake, "dying fake data plane")
    equal((rc, out.strip()), (3, "died 4"), "fake died after pushing, before input_done")
    daemon = env.start_daemon("--once", wait=False)
    rc, _, _ = env.finish(daemon, "recontapd --once after its data plane died", timeout=20)
    equal(rc, 1, "recontapd --once exit status when the data plane died early")
    check("is gone (stale region left) before the end of its input" in env.daemon_log(), env.daemon_log())
    equal(sorted(alerts_by(env.eve_lines())), EXPECTED, "what the dead data plane left is still alerted")
print("ok")
