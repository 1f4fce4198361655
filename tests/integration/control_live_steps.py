"""The checks of control_live.py, in order, against a running recontap and
recontapd; each asserts values read back from recontapctl."""
import json
import os
import socket
import subprocess
import time


def line_of(path, text):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.split("#")[0].strip() == text:
                return number
    raise AssertionError(f"{text} not in {path}")


class Steps:
    def __init__(self, ctl, cfg, pdns):
        self.ctl, self.cfg, self.pdns = ctl, cfg, pdns
        self.failures = []

    def check(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failures.append(what)

    def wait_for(self, cond, what, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def run(self, *args):
        p = subprocess_run([self.ctl, "-c", self.cfg] + list(args))
        return p.returncode, p.stdout, p.stderr

    def json(self, *args):
        rc, out, err = self.run(*args, "--json")
        return json.loads(out) if rc == 0 else {"ok": False, "error": err.strip(), "rc": rc}

    def raw(self, request):
        """One request line straight to the socket (what recontapctl would never send)."""
        cfg = open(self.cfg).read()
        path = cfg.split('socket = "')[1].split('"')[0]
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(request.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return json.loads(data)

    def attached_with_settings(self):
        st = self.json("status")
        dp = st.get("dataplane", {})
        return dp.get("attached") and dp.get("settings", {}).get("known")

    def totals(self):
        st = self.json("stats")
        return st["totals"], st["drops"]

    def run_all(self, sender):
        base = self.json("status")["dataplane"]["settings"]
        self.check(base["rules_generation"] == 1 and base["rules"] > 10,
                   f"status: rules generation 1 with the shipped rules ({base})")
        self.rules_test()
        if sender:
            sender.background()
        self.reload_broken()
        hits_before = self.traffic_rule_hits(sender, "brand-new-provider.example", expect_new=False)
        self.reload_added(base["rules"])
        self.traffic_rule_hits(sender, "brand-new-provider.example", expect_new=True, before=hits_before)
        self.thresholds(sender)
        self.bad_requests()
        if sender:
            sender.finish()
            self.no_drops(sender)
        else:
            print("skip traffic checks: not root, so no live loopback capture (net_pcap rx_iface=lo)")

    def second_dataplane_refused(self, recontap, shm):
        """A second data plane on the same [mgmt] shm is refused, and its exit
        must not unlink the running one's region: a recontapd started later
        would never find it, and the running one's detections would be lost."""
        boot = self.json("status")["dataplane"]["boot_id"]
        p = subprocess_run([recontap, "-c", self.cfg])
        self.check(p.returncode == 2 and "is in use by recontap pid" in p.stderr,
                   f"second recontap on the same shm: exit 2, says which pid holds it ({p.returncode}: "
                   f"{p.stderr.strip()[-200:]})")
        self.check(os.path.exists("/dev/shm" + shm), f"the running data plane's region {shm} is still there")
        dp = self.json("status")["dataplane"]
        self.check(dp.get("attached") and dp.get("boot_id") == boot, f"recontapd still attached to boot {boot} ({dp})")

    def rules_test(self):
        r = self.json("rules", "test", "api.securitytrails.com")
        m = r.get("matches", [])
        self.check(r.get("ok") and any(x["category"] == "pdns" and x["text"] == "api.securitytrails.com" and
                                       x["file"] == self.pdns and
                                       x["line"] == line_of(self.pdns, "api.securitytrails.com") for x in m),
                   f"rules test api.securitytrails.com: its pdns rule with file:line ({r})")
        rc, out, _ = self.run("rules", "test", "api.securitytrails.com")
        self.check(rc == 0 and f"{self.pdns}:{line_of(self.pdns, 'api.securitytrails.com')}" in out and "pdns" in out,
                   f"rules test (table): FILE:LINE shown ({out.strip()})")
        r = self.json("rules", "test", "www.example.com")
        self.check(r.get("ok") and r["matches"] == [] and r["generation"] == 1, f"benign name matches nothing ({r})")

    def reload_broken(self):
        with open(self.pdns, "a") as f:
            f.write("re:([a-z\n")
        bad_line = sum(1 for _ in open(self.pdns))
        rc, out, err = self.run("rules", "reload")
        self.check(rc == 1 and f"{self.pdns}:{bad_line}:" in err, f"broken rule refused with FILE:LINE ({err.strip()})")
        st = self.json("status")["dataplane"]["settings"]
        self.check(st["rules_generation"] == 1, f"old rules kept: generation 1 ({st})")
        r = self.json("rules", "test", "api.securitytrails.com")
        self.check(r.get("ok") and len(r["matches"]) >= 1 and r["generation"] == 1, "old rules still match")

    def reload_added(self, old_count):
        lines = open(self.pdns).read().splitlines()
        lines[-1] = "brand-new-provider.example"
        open(self.pdns, "w").write("\n".join(lines) + "\n")
        r = self.json("rules", "reload")
        self.check(r.get("ok") and r["generation"] == 2 and r["rules"] == old_count + 1 and r["compile_ms"] >= 0,
                   f"reload with an added rule: generation 2, {old_count + 1} rules ({r})")
        t = self.json("rules", "test", "brand-new-provider.example")
        self.check(t.get("ok") and [x["line"] for x in t["matches"]] == [len(lines)] and t["generation"] == 2,
                   f"the new name matches its new line {len(lines)} ({t})")
        st = self.json("status")["dataplane"]["settings"]
        self.check(st["rules_generation"] == 2 and st["rules"] == old_count + 1, f"status shows generation 2 ({st})")
        rc, out, _ = self.run("status")
        self.check(f"generation 2, {old_count + 1} rule(s)" in out, "status table shows the rule generation")
        rc, out, _ = self.run("stats")
        self.check(f"rules  generation 2, {old_count + 1} rule(s)" in out, "stats table shows the rule generation")
        self.check(self.json("stats")["settings"]["rules_generation"] == 2, "stats --json: settings")

    def traffic_rule_hits(self, sender, name, expect_new, before=None):
        """Workers count provider hits for name only once they run the new rules."""
        if not sender:
            return None
        start = self.totals()[0]["rule_hits"]["pdns"]
        sender.send(name, 20)
        time.sleep(1.5)
        hits = self.totals()[0]["rule_hits"]["pdns"]
        want = start + (20 if expect_new else 0)
        self.check(hits == want, f"workers' provider hits for {name} {'after' if expect_new else 'before'} the "
                                 f"reload: {hits - start} (want {want - start})")
        return hits

    def thresholds(self, sender):
        r = self.json("thresholds")
        t = r.get("thresholds", {})
        self.check(t.get("bulk_queries") == 100000 and t.get("nxd_ratio") == 0.5 and
                   t.get("correlation_window_s") == 900 and "suppress_s" in r.get("applied_by_recontapd", []),
                   f"thresholds shows config values and recontapd's keys ({r})")
        r = self.json("thresholds", "set", "bulk_queries", "50")
        self.check(r.get("ok") and r["value"] == 50 and r["generation"] == 2, f"set bulk_queries 50 ({r})")
        r = self.json("thresholds", "set", "suppress_s", "60")
        self.check(r.get("ok") and r["value"] == 60 and r["applied_by"] == "recontapd", f"set suppress_s ({r})")
        for key, value, message in (
                ("bulk_queries", "0", "[detectors] bulk_queries: must be from 1 to 4294967295, got 0"),
                ("nxd_ratio", "2", "[detectors] nxd_ratio: must be from 0 to 1, got 2.000000"),
                ("window_s", "abc", '[detectors] window_s: expected a number, got "abc"'),
                ("nosuch", "5", 'unknown key "nosuch"')):
            rc, _, err = self.run("thresholds", "set", key, value)
            self.check(rc == 1 and message in err, f"refused {key}={value}: {err.strip()}")
        t = self.json("thresholds")
        self.check(t["thresholds"]["bulk_queries"] == 50 and t["thresholds"]["suppress_s"] == 60 and
                   t["generation"] == 2, f"refused values changed nothing ({t['thresholds']})")
        rc, out, _ = self.run("thresholds")
        lines = {line.split("=")[0].strip(): line.split("=")[1].strip() for line in out.splitlines() if "=" in line}
        self.check(rc == 0 and lines.get("bulk_queries") == "50" and lines.get("suppress_s") == "60   # recontapd",
                   f"thresholds table: {lines}")
        rc, out, _ = self.run("thresholds", "set", "nxd_ratio", "0.75")
        self.check(rc == 0 and out.strip() == "[detectors] nxd_ratio = 0.75  (data plane thresholds generation 3)",
                   f"thresholds set (table): {out.strip()}")
        rc, out, _ = self.run("rules", "test", "www.example.com")
        self.check(rc == 0 and out.startswith("www.example.com: no loaded rule matches (rules generation 2"),
                   f"rules test (table), no match: {out.strip()}")
        if sender:  # the workers apply it: 127.0.0.1 has sent far more than 50 queries this window
            sender.send("www.bulk.example", 60)
            self.wait_for(lambda: any(d.get("detector") == "BULK" or "BULK" in json.dumps(d)
                                      for d in self.json("detections").get("detections", [])),
                          "a BULK detection after bulk_queries = 50", 20)
            self.check(True, "workers apply bulk_queries = 50: BULK fired")

    def bad_requests(self):
        rc, _, err = self.run("rules", "test", "a" * 300)
        self.check(rc == 1 and "a name is 1 to 253 characters" in err, f"over-long name: {err.strip()}")
        rc, _, err = self.run("rules", "test", ("a" * 62 + ".") * 4 + "ab")  # 254 characters, no root dot
        self.check(rc == 1 and "got 254" in err, f"254 characters refused by recontapd itself: {err.strip()}")
        rc, _, err = self.run("rules", "test", ("a" * 62 + ".") * 4 + "a.")  # 253 and the root dot
        self.check(rc == 0, f"253 characters and a root dot: answered ({err.strip()})")
        r = self.raw(json.dumps({"cmd": "rules-test", "name": "\u0001" * 200}))
        self.check(not r["ok"] and "too long for a control message" in r["error"], f"escaped name too long: {r['error']}")
        r = self.raw('{"cmd":"rules-test"}')
        self.check(not r["ok"] and "needs a string" in r["error"], f"no name: {r}")
        r = self.raw('{"cmd":"thresholds-set","key":1,"value":[]}')
        self.check(not r["ok"] and "thresholds-set needs" in r["error"], f"bad thresholds-set body: {r}")
        r = self.raw('{"cmd":"rules-nuke"}')
        self.check(not r["ok"] and "unknown cmd 'rules-nuke'" in r["error"], f"unknown verb: {r}")
        rc, _, err = self.run("rules", "frobnicate")
        self.check(rc == 2 and "expected 'rules test NAME'" in err, "recontapctl: bad subcommand is a usage error")

    def no_drops(self, sender):
        time.sleep(1.5)
        totals, drops = self.totals()
        self.check(drops["steer"] == 0 and drops["rx_missed"] == 0,
                   f"no packet lost through two reloads and a threshold change (steer {drops['steer']}, "
                   f"missed {drops['rx_missed']})")
        self.check(totals["queries"] == sender.sent, f"every query counted: {totals['queries']} of {sender.sent}")

    def after_dataplane_stopped(self):
        rc, _, err = self.run("rules", "test", "crt.sh")
        self.check(rc == 1 and "data plane not attached" in err, f"after the data plane stopped: {err.strip()}")


def subprocess_run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=60)
