#!/usr/bin/python3
"""recontap-dump's command line: bad input gets one clear line and exit 2;
good input gets the TSV header and one line per question.
usage: dump_cli.py RECONTAP_DUMP"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "cases")
HEADER = "ts\tsrc\tsport\tdst\tdport\ttransport\tqr\tid\topcode\trcode\tqdcount\tancount\tqname\tqtype\tqclass"


def run(dump, *args):
    return subprocess.run([dump, *args], capture_output=True, text=True)


def expect_error(dump, args, words):
    res = run(dump, *args)
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, (args, res.returncode, res.stderr)
    assert lines and all(w in lines[0] for w in words), (args, res.stderr)
    assert "Segmentation" not in res.stderr and res.stdout == "", (args, res.stdout)


def main():
    dump = sys.argv[1]
    for flag in ("--help", "-h"):
        res = run(dump, flag)
        assert res.returncode == 0 and res.stdout.startswith("usage: recontap-dump") and "--malformed" in res.stdout, \
            (flag, res.returncode, res.stdout, res.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        expect_error(dump, [os.path.join(tmp, "absent.pcap")], ["cannot read capture", "absent.pcap"])
        garbage = os.path.join(tmp, "garbage.pcap")
        with open(garbage, "wb") as f:
            f.write(b"this is not a capture file at all")
        expect_error(dump, [garbage], ["cannot read capture", "garbage.pcap"])
        wifi = os.path.join(tmp, "wifi.pcap")
        with open(wifi, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105))
        expect_error(dump, [wifi], ["link type", "not supported"])
        good = os.path.join(CASES, "unprintable-bytes.pcap")
        expect_error(dump, ["--ports", "53,x", good], ["--ports"])
        expect_error(dump, ["--bogus", good], ["unexpected argument"])
        expect_error(dump, [], ["no capture file"])

        res = run(dump, good)
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert lines[0] == HEADER, lines[0]
        fields = lines[1].split("\t")
        assert fields[1:6] == ["192.0.2.1", "40000", "192.0.2.53", "53", "udp"], fields
        assert fields[12:] == ["a\\000\\009\\034\\092\\255.com", "1", "1"], fields  # escaped, one line

        editcap = shutil.which("editcap")
        if editcap:  # the same capture as pcapng gives the same lines
            ng = os.path.join(tmp, "same.pcapng")
            subprocess.run([editcap, "-F", "pcapng", good, ng], check=True)
            assert run(dump, ng).stdout == res.stdout, run(dump, ng).stdout
        else:
            print("note: no editcap, pcapng not checked")

        res = run(dump, "--ports", "5353", good)  # not on the configured ports: no lines
        assert res.returncode == 0 and res.stdout.splitlines() == [HEADER], res.stdout

        res = run(dump, "--malformed", os.path.join(CASES, "mutual-pointers.pcap"))
        assert res.returncode == 0 and res.stdout.splitlines()[1].split("\t")[6:] == \
            ["rejected", "name_pointer_loop", "-"], res.stdout
    print("recontap-dump command line: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
