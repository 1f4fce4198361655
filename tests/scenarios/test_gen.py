#!/usr/bin/python3
"""Self-test of tools/recontap-gen: determinism, truth shape, and capture contents against thresholds.

Reads every capture back with scapy (capture_stats.py) and checks, for each
scenario folder, that each expected detection's evidence crosses its
threshold wherever the 60-second windows fall, and that every other
(client, detector) stays below, the benign office above all.
"""
import collections
import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib
import unittest

import capture_stats as stats

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(stats.REPO, "tools", "recontap-gen")
DETECTORS = {"BULK", "ENUM", "NXD", "SPIKE", "PDNS", "SENS", "RARE", "EXT", "MISCONF", "INTEL"}
ENUM_MARGIN = 0.2  # ENUM counts with a HyperLogLog: keep clear of the threshold by its error and more
SKETCH_MARGIN = 0.34  # SRV breadth counts in a 128-bit linear-counting sketch: keep clear by more than its error


def default_thresholds():
    """struct Detectors defaults, read from lib/config/config.hpp so the test follows the code."""
    with open(os.path.join(stats.REPO, "lib", "config", "config.hpp")) as f:
        text = f.read()
    body = text[text.index("struct Detectors"):]
    body = body[:body.index("};")]
    return {k: float(v) for k, v in re.findall(r"\b(?:uint32_t|double)\s+(\w+)\s*=\s*([0-9.]+)\s*;", body)}


def scenario_folders():
    return sorted(d for d in os.listdir(HERE) if re.match(r"\d{3}_", d) and os.path.isdir(os.path.join(HERE, d)))


def generate(out, args):
    subprocess.run([GEN, "--out", out] + args, check=True, stderr=subprocess.DEVNULL)
    with open(out[:-len(".pcap")] + ".truth.json") as f:
        return json.load(f)


def fires(detector, lowest, t):
    """True when the evidence crosses the detector's threshold in every window alignment."""
    if detector == "BULK":
        return lowest["queries"] > t["bulk_queries"]
    if detector == "NXD":
        return lowest["failures"] >= t["nxd_count"] and lowest["failure_share"] >= t["nxd_ratio"]
    if detector == "ENUM":
        return lowest["enum"] >= t["enum_distinct"] * (1 + ENUM_MARGIN)
    if detector == "SENS":
        return lowest["sens_internal"] >= t["sens_hits_internal"] or lowest["sens"] >= t["sens_hits"]
    if detector == "PDNS":
        return lowest["pdns"] >= t["pdns_hits"]
    if detector == "RARE":
        return (lowest["rare"] >= 1 or lowest["ptr24"] >= t["ptr_sweep_hosts"]
                or lowest["srv"] >= t["srv_breadth_names"] * (1 + SKETCH_MARGIN))
    if detector == "EXT":
        return lowest["ext"] >= 1
    if detector == "MISCONF":
        return lowest["transfer_answers"] >= 1
    raise AssertionError("no capture-level check for " + detector)


def quiet(detector, highest, t):
    """True when the evidence stays below the threshold in every window alignment."""
    if detector == "BULK":
        return highest["queries"] < t["bulk_queries"]
    if detector == "NXD":
        return highest["failures"] < t["nxd_count"]
    if detector == "ENUM":
        return highest["enum"] < t["enum_distinct"] * (1 - ENUM_MARGIN)
    if detector == "SENS":
        return highest["sens_internal"] < t["sens_hits_internal"] and highest["sens"] < t["sens_hits"]
    if detector == "PDNS":
        return highest["pdns"] < t["pdns_hits"]
    if detector == "RARE":
        return (highest["rare"] == 0 and highest["ptr24"] < t["ptr_sweep_hosts"]
                and highest["srv"] < t["srv_breadth_names"] * (1 - SKETCH_MARGIN))
    if detector == "EXT":
        return highest["ext"] == 0
    if detector == "MISCONF":
        return highest["transfer_answers"] == 0
    return True  # SPIKE, INTEL: the generator makes no traffic for them


def site_spikes(messages, t):
    """(window, busiest client) of each window whose site-wide query count spikes.

    An independent reading of the playbook's site-wide SPIKE: windows cut on
    absolute time as recontap cuts them, an EWMA of earlier windows' counts
    (silent windows count as zero), factor and minimum from the thresholds.
    """
    w = t["window_s"]
    counts, per_client = collections.Counter(), collections.defaultdict(collections.Counter)
    for m in messages:
        if not m.is_response:
            counts[int(m.t // w)] += 1
            per_client[int(m.t // w)][m.client] += 1
    alpha, ewma, seen, last, out = t["spike_alpha"], 0.0, 0, None, []
    for k in sorted(counts):
        if last is not None:
            ewma = alpha * counts[last] + (1 - alpha) * ewma if seen else float(counts[last])
            idle = min(k - last - 1, 1024)
            ewma *= (1 - alpha) ** idle
            seen += 1 + idle
        if (seen >= t["spike_baseline_windows"] and counts[k] >= t["site_spike_min_queries"]
                and counts[k] >= t["site_spike_factor"] * max(ewma, 1.0)):
            out.append((k, per_client[k].most_common(1)[0][0]))
        last = k
    return out


class GeneratorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="recontap-gen-test-")
        cls.thresholds = default_thresholds()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_same_seed_same_bytes_other_seed_other_bytes(self):
        for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
            generate(self.path(name + ".pcap"), ["--demo", "--seed", seed])
        read = lambda n: open(self.path(n), "rb").read()
        self.assertEqual(read("a.pcap"), read("b.pcap"))
        self.assertEqual(read("a.truth.json"), read("b.truth.json"))
        self.assertNotEqual(read("a.pcap"), read("c.pcap"))

    def test_truth_shape(self):
        truth = generate(self.path("shape.pcap"), ["--seed", "3", "--minutes", "1", "--clients", "5",
                                                   "--scenario", "all"])
        self.assertEqual(truth["site"]["internal_zones"], ["corp.example"])
        self.assertEqual(truth["site"]["dns_servers"][:2], ["10.0.0.53", "10.0.0.54"])
        self.assertGreater(truth["packets"], 1000)
        self.assertGreaterEqual(len(truth["scenarios"]), 11)
        for a in truth["alerts"]:
            self.assertEqual(set(a), {"client", "detector", "tier", "note"})
            ipaddress.ip_network(a["client"])  # an address, or the prefix of an aggregated IPv6 client
            self.assertIn(a["detector"], DETECTORS)
            self.assertIn(a["tier"], (1, 2))
            self.assertTrue(a["note"])
        pairs = [(a["client"], a["detector"]) for a in truth["alerts"]]
        self.assertEqual(len(pairs), len(set(pairs)), "one alert per (client, detector)")
        self.assertEqual(len({a["client"] for a in truth["alerts"]}), len(truth["scenarios"]),
                         "one attacker client per behaviour")

    def test_bad_arguments_are_refused(self):
        for args in (["--scenario", "nosuch"], ["--minutes", "0"], ["--demo", "--scenario", "passive"]):
            r = subprocess.run([GEN, "--out", self.path("bad.pcap")] + args, capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("recontap-gen", r.stderr)

    def test_bench_profile_mix(self):
        """--profile bench: the documented shares, measured on the capture itself."""
        out = self.path("bench.pcap")
        truth = generate(out, ["--profile", "bench", "--packets", "30000", "--seed", "5"])
        messages = stats.read(out)
        self.assertEqual(len(messages), 30000)
        self.assertEqual(truth["packets"], 30000)
        responses = [m for m in messages if m.is_response]
        share = lambda part, whole: len(part) / len(whole)
        self.assertAlmostEqual(share(responses, messages), 0.40, delta=0.02)
        self.assertAlmostEqual(share([m for m in responses if m.rcode == 3], responses), 0.03, delta=0.01)
        queries = [m for m in messages if not m.is_response]
        hits = [m for m in queries if m.qname in stats.PROVIDERS or m.qname.split(".", 1)[0] in stats.SENSITIVE]
        self.assertAlmostEqual(share(hits, queries), 0.05, delta=0.01)
        self.assertAlmostEqual(share([m for m in messages if ":" in m.client], messages), 0.20, delta=0.02)
        self.assertGreater(len({m.qname for m in queries}), 3000, "Zipf over a large name set")
        self.assertGreater(len({m.client for m in messages}), 10000, "many clients")
        self.assertEqual(truth["mix"]["rule_hits"], len(hits))

    def test_scenarios_cross_exactly_the_expected_thresholds(self):
        for folder in scenario_folders():
            with self.subTest(scenario=folder):
                self.check_scenario(folder)

    def check_scenario(self, folder):
        d = os.path.join(HERE, folder)
        with open(os.path.join(d, "gen.args")) as f:
            args = shlex.split(f.read())
        with open(os.path.join(d, "expected.json")) as f:
            expected = json.load(f)
        with open(os.path.join(d, "config.toml"), "rb") as f:
            config = tomllib.load(f)
        t = dict(self.thresholds, **config.get("detectors", {}))
        capture = self.path(folder + ".pcap")
        truth = generate(capture, args)
        self.assertEqual(sorted((a["client"], a["detector"], a["tier"]) for a in truth["alerts"]),
                         sorted((a["client"], a["detector"], a["tier"]) for a in expected),
                         "expected.json and the generator's truth disagree")
        self.assertEqual(config["site"]["internal_zones"], truth["site"]["internal_zones"])
        self.assertEqual(config["site"]["dns_servers"], truth["site"]["dns_servers"])
        messages = stats.read(capture)
        counts = stats.robust_counts(messages, stats.Site(truth["site"]))
        want = {(a["client"], a["detector"]) for a in expected}
        # SPIKE is judged site-wide (per-client SPIKE needs a history the generator does not make).
        self.assertEqual([c for _, c in site_spikes(messages, t)], [c for c, d in want if d == "SPIKE"],
                         "%s: site-wide SPIKE windows" % folder)
        for client, measures in counts.items():
            lowest = {k: v[0] for k, v in measures.items()}
            highest = {k: v[1] for k, v in measures.items()}
            for detector in sorted(DETECTORS - {"SPIKE"}):
                if (client, detector) in want:
                    self.assertTrue(fires(detector, lowest, t), "%s %s %s: evidence below threshold: %s"
                                    % (folder, client, detector, lowest))
                else:
                    self.assertTrue(quiet(detector, highest, t), "%s %s %s: unexpected evidence: %s"
                                    % (folder, client, detector, highest))
        for client, detector in want:
            self.assertIn(client, counts, "%s: expected client %s sends nothing" % (folder, client))
        if folder.startswith("001_"):
            self.assertEqual(expected, [])
            self.assertGreaterEqual(len(counts), 200, "200 benign clients and the mail server")


if __name__ == "__main__":
    unittest.main(verbosity=2)
