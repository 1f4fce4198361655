"""Command line: recontap-gen --out FILE.pcap [--seed N] [--minutes M] [--clients C] [--scenario NAME ...]."""
import argparse
import json
import os
import random
import sys
import time

from . import benign, recon, site
from .traffic import PcapWriter, Renderer

START = 1772442000.0  # 2026-03-02 09:00:00 UTC: a Monday morning at the office
DEMO_ARGS = {"minutes": 3.0, "clients": 12}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="recontap-gen", description="Labelled DNS captures (benign office "
                                "background plus reconnaissance) with the expected alerts in FILE.truth.json "
                                "beside the capture.")
    p.add_argument("--out", required=True, help="capture to write (classic pcap, Ethernet)")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same bytes (default 1)")
    p.add_argument("--minutes", type=float, default=None, help="length of the benign background (default 5)")
    p.add_argument("--clients", type=int, default=None, help="benign workstations (default 50; 0 = none)")
    p.add_argument("--scenario", action="extend", nargs="+", default=[], metavar="NAME",
                   help="reconnaissance behaviour(s) to add: %s, or all" % ", ".join(recon.BEHAVIOURS))
    p.add_argument("--demo", action="store_true", help="the small demo capture: %d benign clients for %g minutes "
                   "plus %s" % (DEMO_ARGS["clients"], DEMO_ARGS["minutes"], ", ".join(recon.DEMO)))
    p.add_argument("--profile", choices=["bench"], help="bench: a large realistic mix for throughput tests")
    p.add_argument("--packets", type=int, default=1000000, help="packets for --profile bench (default 1e6)")
    args = p.parse_args(argv)
    if "all" in args.scenario:
        args.scenario = list(recon.BEHAVIOURS)
    unknown = [s for s in args.scenario if s not in recon.BEHAVIOURS]
    if unknown:
        p.error("unknown scenario %s (known: %s)" % (", ".join(unknown), ", ".join(recon.BEHAVIOURS)))
    if args.demo:
        if args.scenario or args.profile:
            p.error("--demo takes no --scenario or --profile")
        args.scenario = list(recon.DEMO)
    for key, value in DEMO_ARGS.items() if args.demo else (("minutes", 5.0), ("clients", 50)):
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.minutes <= 0 or args.clients < 0 or args.packets <= 0:
        p.error("--minutes and --packets must be positive, --clients not negative")
    return args


def generate(args):
    """All exchanges of the capture, in time order, and the truth document."""
    exchanges = benign.office(random.Random("%d/office" % args.seed), START, args.minutes * 60, args.clients)
    alerts = []
    for i, name in enumerate(args.scenario):
        ex, expected = recon.run(name, args.seed, START + 15 + 20 * i)
        exchanges += ex
        alerts += expected
    truth = {
        "generator": "recontap-gen", "seed": args.seed, "minutes": args.minutes, "clients": args.clients,
        "scenarios": args.scenario, "start": START, "site": site.site_model(),
        "tiers": "Tier 2: BULK, MISCONF, INTEL, a detection triggered by a name under an internal zone, "
                 "PDNS with another detection of the client within 15 min; Tier 1 otherwise",
        "alerts": alerts,
    }
    return exchanges, truth


def write_capture(path, exchanges, seed):
    renderer = Renderer(random.Random("%d/wire" % seed))
    frames = []
    for ex in exchanges:
        frames += renderer.render(ex)
    frames.sort(key=lambda f: f[0])
    writer = PcapWriter(path)
    for t, frame in frames:
        writer.write(t, frame)
    writer.close()
    return writer.count


def truth_path(pcap_path):
    root, ext = os.path.splitext(pcap_path)
    return (root if ext in (".pcap", ".cap") else pcap_path) + ".truth.json"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    began, began_cpu = time.monotonic(), time.process_time()
    try:
        if args.profile == "bench":
            from . import bench
            count, truth = bench.write(args.out, args.packets, args.seed)
        else:
            exchanges, truth = generate(args)
            count = write_capture(args.out, exchanges, args.seed)
        truth["packets"] = count
        with open(truth_path(args.out), "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
    except OSError as e:
        if e.filename is None:  # not a file problem: a bug, keep its traceback
            raise
        print("recontap-gen: %s: %s" % (e.filename or args.out, e.strerror), file=sys.stderr)
        return 2
    elapsed, cpu = time.monotonic() - began, time.process_time() - began_cpu
    print("recontap-gen: wrote %d packets to %s in %.2f s, %.2f s CPU (%.0f packets per CPU second), truth in %s"
          % (count, args.out, elapsed, cpu, count / cpu if cpu else 0, truth_path(args.out)), file=sys.stderr)
    return 0
