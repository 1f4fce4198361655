#!/usr/bin/python3
"""Seed corpus for fuzz_decoder from real captures.

usage: make_seeds.py PCAP_DIR OUT_DIR
Writes, per capture: each frame as [selector][frame]; each UDP/TCP payload
on a DNS port as [9][payload]; and the whole capture (first 64 frames) as
[selector]([len16][frame])... for the multi-frame reassembly path.
The selector layout is the one in fuzz_decoder.cpp.
"""
import hashlib
import os
import struct
import sys

from scapy.layers.inet import TCP, UDP
from scapy.utils import PcapReader

SELECTOR = {0: 0, 1: 1, 10: 2, 101: 3, 108: 4, 113: 5, 228: 6, 229: 7, 276: 8}
DNS_ONLY = 9
DNS_PORTS = {53, 5353, 5355, 8053, 1053}


def write(out, blob):
    with open(os.path.join(out, hashlib.sha1(blob).hexdigest()), "wb") as f:
        f.write(blob)


def seeds_from(path, out):
    n = 0
    with PcapReader(path) as reader:
        link = getattr(reader, "linktype", 1)
        if link not in SELECTOR:
            return 0
        sel = bytes([SELECTOR[link]])
        stream = bytearray(sel)
        for i, pkt in enumerate(reader):
            raw = bytes(pkt)
            write(out, sel + raw)
            n += 1
            if i < 64:
                stream += struct.pack(">H", len(raw)) + raw
            for layer in (UDP, TCP):
                if layer in pkt and {pkt[layer].sport, pkt[layer].dport} & DNS_PORTS:
                    payload = bytes(pkt[layer].payload)
                    if layer is TCP and len(payload) > 2:
                        payload = payload[2:]
                    if payload:
                        write(out, bytes([DNS_ONLY]) + payload)
                        n += 1
        write(out, bytes(stream))
    return n + 1


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    total = 0
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if name.endswith((".pcap", ".pcapng")):
                total += seeds_from(os.path.join(root, name), out)
    print(f"{total} seeds from {src} in {out}")


if __name__ == "__main__":
    main()
