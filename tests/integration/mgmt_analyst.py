#!/usr/bin/python3
"""The analysts' commands through the real recontapd and recontapctl: the
watchlist (add, list, remove, bad input refused, a watched client's Tier-1
detections coming out Tier 2 and never suppressed, kept across a restart),
the blocklist export in plain, csv and json with --tier and --since, and
per-sub-kind next steps. Every alert line validates against the EVE schema."""
import datetime
import json
import os
import sys

from mgmt_harness import BASE_TS, Env, check, equal, fail, rec

SCHEMA = os.environ.get("EVE_SCHEMA", "")
if not os.path.exists(SCHEMA):
    print(f"SKIP: EVE schema not found at {SCHEMA!r} (../shared/ecosystem/suricata-eve-schema.json)")
    sys.exit(77)
import jsonschema  # noqa: E402  (Debian python3-jsonschema)

with open(SCHEMA) as f:
    schema = json.load(f)
VALIDATOR = jsonschema.validators.validator_for(schema)(schema)


def validate_all(env):
    lines = env.eve_lines()
    for line in lines:
        errors = sorted(VALIDATOR.iter_errors(line), key=str)
        if errors:
            fail(f"alert does not validate: {errors[0].message}: {line}")
    return lines


def eve_time(t):
    return datetime.datetime.fromtimestamp(BASE_TS + t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def ctl_ok(env, *args):
    r = env.ctl(*args)
    equal(r.returncode, 0, f"recontapctl {' '.join(args)} exit status (stderr: {r.stderr})")
    return r.stdout


def ctl_refused(env, status, message, *args):
    r = env.ctl(*args)
    equal(r.returncode, status, f"recontapctl {' '.join(args)} exit status (stdout: {r.stdout})")
    check(message in r.stderr, f"recontapctl {' '.join(args)}: expected {message!r} in {r.stderr!r}")


def feed(env, records):
    rc, out, err = env.finish(env.start_fake({"workers": 2, "records": records}), "fake data plane")
    equal((rc, out.strip()), (0, f"acked {sum(r.get('repeat', 1) for r in records)}"), f"fake (stderr: {err})")


# --- watchlist ---------------------------------------------------------------
with Env("watchlist") as env:
    wl_file = os.path.join(env.dir, "state", "watchlist.json")
    daemon = env.start_daemon("--watchlist", wl_file)
    check(ctl_ok(env, "watchlist").startswith("0 of 4096 entries, kept in " + wl_file), "empty list at start")
    ctl_ok(env, "watchlist", "add", "10.0.7.0/29", "--note", "pen-test box, watch closely")
    ctl_ok(env, "watchlist", "add", "2001:db8:7::/48")
    ctl_ok(env, "watchlist", "add", "10.0.7.9", "--note", "temporary")
    ctl_refused(env, 1, "\"10.0.7.300\" is not an IPv4 or IPv6 address", "watchlist", "add", "10.0.7.300")
    ctl_refused(env, 1, "\"10.0.7.1/24\": host bits are set beyond /24", "watchlist", "add", "10.0.7.1/24")
    ctl_refused(env, 1, "the prefix length must be a number from 0 to 32", "watchlist", "add", "10.0.0.0/40")
    ctl_refused(env, 1, "10.0.8.0/24 is not on the watchlist", "watchlist", "remove", "10.0.8.0/24")
    ctl_refused(env, 1, "note contains control characters", "watchlist", "add", "10.0.7.1", "--note", "a\nb")
    ctl_refused(env, 2, "use: watchlist", "watchlist", "add")
    ctl_refused(env, 2, "use: watchlist", "watchlist", "block", "10.0.7.1")
    ctl_refused(env, 2, "--note goes with watchlist add", "watchlist", "remove", "10.0.7.9", "--note", "x")
    ctl_ok(env, "watchlist", "remove", "10.0.7.9")
    listed = env.ctl_json("watchlist")
    equal([(e["net"], e["note"]) for e in listed["watchlist"]],
          [("10.0.7.0/29", "pen-test box, watch closely"), ("2001:db8:7::/48", "")], "watchlist after changes")
    table = ctl_ok(env, "watchlist")
    check("2 of 4096 entries" in table and "10.0.7.0/29" in table and "pen-test box, watch closely" in table, table)
    with open(wl_file) as f:
        equal([e["net"] for e in json.load(f)["watchlist"]], ["10.0.7.0/29", "2001:db8:7::/48"], "file on disk")

    feed(env, [
        rec("NXD", "10.0.7.3", 0, rcode=3, repeat=3, step_s=10),  # watched: Tier 2, no repeat held back
        rec("NXD", "10.0.8.1", 0, rcode=3, repeat=3, step_s=10),  # not watched: Tier 1, two repeats held back
        rec("RARE", "10.0.8.2", 40, qtype=252, detail="AXFR"),
        rec("RARE", "10.0.8.4", 41, qtype=12, detail="PTR sweep", name="7.2.0.10.in-addr.arpa"),
        rec("MISCONF", "10.0.8.3", 42, qtype=16, detail="version disclosed", flags=["misconfig"]),
    ])
    lines = validate_all(env)
    got = [(a["src_ip"], a["alert"]["metadata"]["detector"][0], a["alert"]["metadata"]["tier"][0],
            a["alert"]["context"].get("watchlist")) for a in lines[:4]]
    watch = {"entry": "10.0.7.0/29", "note": "pen-test box, watch closely"}
    expected = [("10.0.7.3", "NXD", "2", watch), ("10.0.7.3", "NXD", "2", watch), ("10.0.7.3", "NXD", "2", watch),
                ("10.0.8.1", "NXD", "1", None)]
    equal(sorted(got, key=str), sorted(expected, key=str), "watched client escalated and never suppressed")
    for a in lines:
        if a["src_ip"] == "10.0.7.3":
            equal(a["alert"]["metadata"]["watchlist"], ["10.0.7.0/29"], "alert.metadata.watchlist")
            equal(a["alert"]["context"]["tier_reason"], "client on the analysts' watchlist", "tier reason")
            equal(a["alert"]["severity"], 1, "severity of a watched client's alert")
    steps = {a["alert"]["context"]["detail"]: a["alert"]["context"]["next_steps"] for a in lines
             if a["alert"]["metadata"]["detector"][0] in ("RARE", "MISCONF")}
    check("transfer" in steps["AXFR"][0], f"AXFR steps: {steps['AXFR']}")
    check("PTR" in steps["PTR sweep"][0], f"PTR sweep steps: {steps['PTR sweep']}")
    check("version" in steps["version disclosed"][0], f"version steps: {steps['version disclosed']}")
    equal(len({s[0] for s in steps.values()}), 3, "each sub-kind its own next steps")
    esc = env.ctl_json("stats")["daemon"]["escalation"]
    equal((esc["watched"], esc["suppressed"]), (3, 2), "watched detections and suppressed repeats")

    # A restart keeps the watchlist: the new daemon escalates a watched client's SENS.
    equal(env.stop(daemon), 0, "recontapd exit status on SIGTERM")
    daemon = env.start_daemon("--watchlist", wl_file)
    check("watching 2 client(s) or prefix(es) from " + wl_file in env.daemon_log(), env.daemon_log())
    equal([e["net"] for e in env.ctl_json("watchlist")["watchlist"]], ["10.0.7.0/29", "2001:db8:7::/48"],
          "watchlist after restart")
    before = len(env.eve_lines())
    feed(env, [rec("SENS", "10.0.7.4", 100, name="vpn.example.com"),
               rec("SENS", "2001:db8:7:1::5", 101, name="vpn.example.com"),
               rec("SENS", "10.0.7.8", 102, name="vpn.example.com")])
    after = [(a["src_ip"], a["alert"]["metadata"]["tier"][0]) for a in validate_all(env)[before:]]
    equal(sorted(after), [("10.0.7.4", "2"), ("10.0.7.8", "1"), ("2001:db8:7:1::5", "2")],
          "tiers after restart (10.0.7.8 is outside 10.0.7.0/29)")
    equal(env.stop(daemon), 0, "second recontapd exit status")

    # A damaged watchlist file stops the daemon from starting, saying why.
    with open(wl_file, "w") as f:
        f.write('{"watchlist": [{"net": "10.0.7.1/29"}]}')
    broken = env.start_daemon("--watchlist", wl_file, wait=False)
    equal(broken.wait(timeout=20), 2, "recontapd exit status with a damaged watchlist (bad input)")
    check(wl_file + ": entry 1: \"10.0.7.1/29\": host bits are set beyond /29" in env.daemon_log(),
          env.daemon_log())

# --- blocklist ---------------------------------------------------------------
with Env("blocklist") as env:
    env.start_daemon("--watchlist", os.path.join(env.dir, "watchlist.json"))
    ctl_ok(env, "watchlist", "add", "10.0.9.1", "--note", "known scanner")
    ctl_ok(env, "watchlist", "add", "10.0.9.6")  # never alerts: not exported
    feed(env, [
        rec("NXD", "10.0.9.1", 0, rcode=3),              # watched: Tier 2
        rec("NXD", "10.0.9.7", 50, rcode=3),
        rec("NXD", "10.0.9.7", 60, rcode=3),             # suppressed: not an alert
        rec("NXD", "10.0.9.7", 2000, rcode=3),           # after suppress_s: second alert
        rec("BULK", "10.0.9.2", 100, evidence={"queries": 5000}),
        rec("PDNS", "10.0.9.3", 3000, name="crt.sh"),
        rec("INTEL", "10.0.9.4", 3500),
        rec("RARE", "2001:db8:9::1", 3600, qtype=255, detail="ANY"),
    ])
    validate_all(env)

    def plain(*args):
        return ctl_ok(env, "blocklist", *args).split()

    # An IPv6 client is its /64 ([dataplane] ipv6_client_prefix): one ipset hash:net entry a host.
    equal(plain(), ["10.0.9.1", "10.0.9.2", "10.0.9.3", "10.0.9.4", "10.0.9.7", "2001:db8:9::/64"], "plain, all")
    equal(plain("--tier", "2"), ["10.0.9.1", "10.0.9.2", "10.0.9.4"], "plain --tier 2")
    equal(plain("--tier", "1"), ["10.0.9.3", "10.0.9.7", "2001:db8:9::/64"], "plain --tier 1")
    equal(plain("--since", "600"), ["10.0.9.3", "10.0.9.4", "2001:db8:9::/64"], "--since 600 (newest at 3600 s)")
    equal(plain("--since", "1600", "--tier", "1"), ["10.0.9.3", "10.0.9.7", "2001:db8:9::/64"], "--since 1600 --tier 1")
    equal(plain("--since", "99", "--tier", "2"), [], "--since 99 --tier 2")

    csv = ctl_ok(env, "blocklist", "--format", "csv", "--tier", "2").splitlines()
    equal(csv, ["address,highest_tier,detectors,alerts,first_alert,last_alert,watchlist",
                f"10.0.9.1,2,NXD,1,{eve_time(0)},{eve_time(0)},10.0.9.1/32",
                f"10.0.9.2,2,BULK,1,{eve_time(100)},{eve_time(100)},",
                f"10.0.9.4,2,INTEL,1,{eve_time(3500)},{eve_time(3500)},"], "csv --tier 2")
    csv_all = ctl_ok(env, "blocklist", "--format", "csv").splitlines()
    check(f"10.0.9.7,1,NXD,2,{eve_time(50)},{eve_time(2000)}," in csv_all, f"csv row of 10.0.9.7: {csv_all}")

    js = json.loads(ctl_ok(env, "blocklist", "--format", "json", "--since", "600"))
    # The JSON objects carry the CSV header's names (README).
    equal(js, [
        {"address": "10.0.9.3", "highest_tier": 1, "detectors": ["PDNS"], "alerts": 1,
         "first_alert": eve_time(3000), "last_alert": eve_time(3000), "watchlist": None},
        {"address": "10.0.9.4", "highest_tier": 2, "detectors": ["INTEL"], "alerts": 1,
         "first_alert": eve_time(3500), "last_alert": eve_time(3500), "watchlist": None},
        {"address": "2001:db8:9::/64", "highest_tier": 1, "detectors": ["RARE"], "alerts": 1,
         "first_alert": eve_time(3600), "last_alert": eve_time(3600), "watchlist": None}], "json --since 600")
    equal(sorted(js[0]), sorted(csv[0].split(",")), "JSON field names = CSV header")
    raw = env.ctl_json("blocklist", "--tier", "2")
    equal((raw["untracked_alerts"], len(raw["clients"])), (0, 3), "raw reply")

    ctl_refused(env, 2, "--tier is 1 or 2", "blocklist", "--tier", "3")
    ctl_refused(env, 2, "--since needs a positive number of seconds", "blocklist", "--since", "0")
    ctl_refused(env, 2, "--format is plain, csv or json", "blocklist", "--format", "xml")
    ctl_refused(env, 2, "--tier, --since and --format go with blocklist", "top", "--tier", "2")
    equal(env.request({"cmd": "blocklist", "tier": "2"}),
          {"ok": False, "error": "blocklist: \"tier\" must be 1 or 2"}, "bad tier over the socket")
    equal(env.request({"cmd": "watchlist", "op": "add", "net": 7}),
          {"ok": False, "error": "watchlist add: \"net\" must be a string"}, "bad net over the socket")
print("ok")
