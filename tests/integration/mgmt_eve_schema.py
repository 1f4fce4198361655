#!/usr/bin/python3
"""Every detector's alert, written by the real recontapd, validates against
Suricata's published EVE schema, including names with NUL, non-UTF-8 bytes,
quotes and backslashes, IPv6 and TCP."""
import json
import os
import sys

from mgmt_harness import Env, check, equal, rec

SCHEMA = os.environ.get("EVE_SCHEMA", "")
if not os.path.exists(SCHEMA):
    print(f"SKIP: EVE schema not found at {SCHEMA!r} (../shared/ecosystem/suricata-eve-schema.json)")
    sys.exit(77)
import jsonschema  # noqa: E402  (Debian python3-jsonschema)

DETECTORS = ["BULK", "ENUM", "NXD", "SPIKE", "PDNS", "SENS", "RARE", "EXT", "MISCONF", "INTEL"]
records = []
for i, d in enumerate(DETECTORS):
    records.append(rec(d, f"10.0.5.{i + 1}", i, qtype=[1, 28, 252, 255, 16, 33, 12, 47, 50, 65280][i],
                       rcode=i % 6, evidence={"queries": 100 + i, "distinct_names": i}, detail=f"detail {d}",
                       rule_id=i * 3))
records += [
    rec("RARE", "2001:db8::5", 20, server="2001:db8::53", transport="tcp", qtype=252, name_hex="61 00 ff 22 5c 2e 65"),
    rec("SENS", "10.0.5.20", 21, name="caf\u00e9.example", flags=["internal_zone", "internal_server"]),
    rec("NXD", "10.0.5.21", 22, name=""),  # no sample: dns.queries left out (minItems 1)
    rec("PDNS", "10.0.5.22", 23, detail="\u00ff\u00fe", evidence={"k" * 23: 1}),
]

with Env("eve-schema") as env:
    with open(SCHEMA) as f:
        schema = json.load(f)
    validator = jsonschema.validators.validator_for(schema)(schema)
    env.start_daemon()
    rc, out, err = env.finish(env.start_fake({"workers": 2, "records": records}), "fake data plane")
    equal((rc, out.strip()), (0, f"acked {len(records)}"), f"fake data plane (stderr: {err})")
    with open(env.eve, "rb") as f:
        raw = f.read()
    raw.decode("utf-8")  # raises on invalid UTF-8
    lines = [json.loads(line) for line in raw.splitlines()]
    equal(len(lines), len(records), "one alert per record")
    for line in lines:
        errors = sorted(validator.iter_errors(line), key=lambda e: list(e.path))
        check(not errors, f"schema violations in {json.dumps(line)[:300]}: " +
              "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
    by_detector = {a["alert"]["metadata"]["detector"][0]: a for a in lines if a["src_ip"].startswith("10.0.5.")
                   and int(a["src_ip"].split(".")[-1]) <= 10}
    equal(sorted(by_detector), sorted(DETECTORS), "every detector alerted")
    for i, d in enumerate(DETECTORS):
        alert = by_detector[d]["alert"]
        equal(alert["signature_id"], 9100001 + i, f"{d} signature_id")
        check(alert["signature"].startswith(f"RECONTAP {d} "), alert["signature"])
        equal(alert["metadata"]["mitre_technique_id"], ["T1596.001"], f"{d} MITRE id")
        check(len(alert["context"]["next_steps"]) >= 3, f"{d} next steps")
        equal(alert["context"]["evidence"], {"queries": 100 + i, "distinct_names": i}, f"{d} evidence")
    odd = next(a for a in lines if a["src_ip"] == "2001:db8::5")
    equal((odd["proto"], odd["dest_ip"], odd["dns"]["queries"][0]["rrtype"]), ("TCP", "2001:db8::53", "AXFR"),
          "IPv6/TCP alert")
    equal(odd["alert"]["context"]["sample_name"], "a\\000\\255\\034\\092.e", "raw bytes escaped")
    utf8 = next(a for a in lines if a["src_ip"] == "10.0.5.20")
    equal(utf8["dns"]["queries"][0]["rrname"], "caf\\195\\169.example", "non-ASCII name escaped as \\DDD")
    empty = next(a for a in lines if a["src_ip"] == "10.0.5.21")
    check("queries" not in empty["dns"] and "sample_name" not in empty["alert"]["context"], json.dumps(empty))
print(f"ok: {len(lines)} lines valid")
