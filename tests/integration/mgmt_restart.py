#!/usr/bin/python3
"""The daemon dies mid-run (SIGKILL) and a new one takes over without losing
or repeating an alert; SIGTERM exits 0; a data plane that dies leaves a stale
region the daemon reports as detached, and a new data plane boot is followed;
SIGHUP reopens eve.json after rotation."""
import os
import signal

from mgmt_harness import Env, alerts_by, check, equal, rec

FIRST = [rec("NXD", "10.0.1.1", 0), rec("RARE", "10.0.1.2", 0, qtype=255), rec("SENS", "10.0.1.3", 0)]
SECOND = [rec("ENUM", "10.0.1.4", 5), rec("EXT", "198.51.100.7", 6, flags=["external_client"])]

with Env("restart") as env:
    barrier = os.path.join(env.dir, "go-on")
    first = env.start_daemon()
    fake = env.start_fake({"workers": 1, "records": FIRST + [{"barrier": True}] + SECOND},
                          "--barrier-file", barrier)
    equal(fake.stdout.readline().strip(), "barrier 3", "fake data plane at its barrier")
    equal(len(env.eve_lines()), 3, "alerts written before the daemon is killed")
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = env.start_daemon()
    status = env.request({"cmd": "status"})
    equal(status["dataplane"]["attached"], True, "new daemon attached to the running data plane")
    equal(status["dataplane"]["delivered"], 3, "acknowledgement carried over from the tails")
    open(barrier, "w").close()
    rc, out, err = env.finish(fake, "fake data plane")
    equal(rc, 0, f"fake exit status (stderr: {err})")
    equal(out.strip(), "acked 5", "fake data plane's final report")
    equal(alerts_by(env.eve_lines()),
          [("10.0.1.1", "NXD", "1"), ("10.0.1.2", "RARE", "1"), ("10.0.1.3", "SENS", "1"),
           ("10.0.1.4", "ENUM", "1"), ("198.51.100.7", "EXT", "1")], "every alert exactly once")
    equal(env.stop(second), 0, "recontapd exit status on SIGTERM")
    check("stopping on signal" in env.daemon_log(), env.daemon_log())

with Env("stale") as env:
    daemon = env.start_daemon()
    fake = env.start_fake({"workers": 2, "records": FIRST}, "--die-after-push")
    rc, out, _ = env.finish(fake, "dying fake data plane")
    equal((rc, out.strip()), (3, "died 3"), "fake died after pushing")
    env.wait_for(lambda: env.request({"cmd": "status"})["totals"]["records_taken"] == 3, "the leftovers drained")
    status = env.request({"cmd": "status"})
    equal(status["dataplane"]["attached"], False, "attached after the data plane died")
    check("is gone (stale region left)" in status["dataplane"]["reason"], f"reason: {status['dataplane']}")
    human = env.ctl("status")
    equal(human.returncode, 0, "recontapctl status exit status")
    check("detached" in human.stdout and "is gone" in human.stdout, human.stdout)
    equal(len(env.eve_lines()), 3, "leftover records alerted")
    # logrotate: move the file away, SIGHUP, and new alerts go to a fresh eve.json.
    os.rename(env.eve, env.eve + ".1")
    daemon.send_signal(signal.SIGHUP)
    env.wait_for(lambda: "SIGHUP: reopened" in env.daemon_log(), "the EVE file reopened")
    # A new boot of the data plane under the same name is followed.
    fake = env.start_fake({"workers": 1, "records": [rec("INTEL", "203.0.113.9", 9)]})
    rc, out, err = env.finish(fake, "second fake data plane")
    equal((rc, out.strip()), (0, "acked 1"), f"second boot acknowledged (stderr: {err})")
    stats = env.request({"cmd": "stats"})
    equal(stats["daemon"]["boots_attached"], 2, "boots followed")
    equal(alerts_by(env.eve_lines()), [("203.0.113.9", "INTEL", "2")], "the new boot's alert, in the new file")
    with open(env.eve + ".1") as f:
        equal(len(f.readlines()), 3, "rotated file keeps the earlier alerts")
    check(daemon.poll() is None, "daemon kept running through it all")
print("ok")
