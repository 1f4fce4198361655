#!/usr/bin/python3
"""recontap -r on every capture in ../shared/pcaps: exit 0, no crash, the
data plane reads exactly the frames tshark counts in the file, and its DNS
message and malformed-by-reason counters equal recontap-dump's (the same
decoder without DPDK, steering or workers), and its count of TCP segments
without payload on port 53 (handshakes, ACKs: packets that are neither DNS
messages nor errors) equals tshark's.

usage: dataplane_shared_pcaps.py BUILD_DIR PCAPS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    build, pcaps = sys.argv[1], sys.argv[2]
    recontap = os.path.join(build, "app/recontap/recontap")
    if not os.access(recontap, os.X_OK):
        print(f"SKIP: {recontap} not built")
        return 77
    manifest = os.path.join(pcaps, "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print(f"SKIP: {manifest} absent: the shared captures are not next to this checkout")
        return 77
    files = [line.split("\t")[0] for line in open(manifest).read().splitlines()[1:] if line.strip()]
    tmp = tempfile.mkdtemp(prefix="recontap-shared-")
    failures = 0
    for rel in files:
        path = os.path.join(pcaps, rel)
        logdir = os.path.join(tmp, rel.replace("/", "_"))
        p = subprocess.run([recontap, "-r", path, "-l", logdir, "--workers", "2"], capture_output=True, text=True,
                           timeout=120)
        frames = int(subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                                    capture_output=True, text=True).stdout.split().__len__())
        if p.returncode == 2 and "link type" in p.stderr:
            # A link type the decoder does not handle (FDDI): refused up front, clearly.
            print(f"ok   {rel}: refused with a clear message: {p.stderr.strip()}")
            continue
        ok = p.returncode == 0
        total = json.load(open(os.path.join(logdir, "stats.json")))["total"] if ok else {}
        ok = ok and total.get("packets") == frames
        dump = subprocess.run([os.path.join(build, "app/recontap-dump/recontap-dump"), "--stats", path],
                              capture_output=True, text=True)
        stats = dict(line.split("\t") for line in dump.stderr.splitlines() if line.count("\t") == 1)
        dump_dns = int(stats.get("dns_messages", -1))
        dump_malformed = {k[len("malformed."):]: int(v) for k, v in stats.items() if k.startswith("malformed.")}
        malformed = {k: v for k, v in total.get("malformed", {}).items() if v}
        ok = ok and total.get("dns_messages", 0) + total.get("dns_rejected", 0) == dump_dns and malformed == dump_malformed
        no_payload = len(subprocess.run(["tshark", "-r", path, "-Y", "tcp.port == 53 && tcp.len == 0", "-T", "fields",
                                         "-e", "frame.number"], capture_output=True, text=True).stdout.split())
        ok = ok and total.get("tcp", {}).get("no_payload") == no_payload
        print(f"{'ok  ' if ok else 'FAIL'} {rel}: exit {p.returncode}, packets {total.get('packets')} / tshark "
              f"{frames}, dns {total.get('dns_messages')} / dump {dump_dns}, malformed {total.get('malformed')} / "
              f"dump {dump_malformed}, tcp without payload {total.get('tcp', {}).get('no_payload')} / tshark {no_payload} "
              f"{p.stderr.strip()[:200]}")
        failures += not ok
    print(f"{len(files) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
