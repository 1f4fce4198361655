#!/usr/bin/python3
"""Writes tests/corpus/cases/*.pcap: one capture per decoder hazard of
RECON_REFERENCE.md §6 / BUG_CORPUS.md that ../shared/pcaps lacks, and
cases.tsv with the verdict recontap must give for each message
(ok, section:<reason> or rejected:<reason>). corpus_test.cpp asserts them.

usage: make_cases.py [OUT_DIR]   (default: the cases/ folder beside this script)
The captures are committed; rerun only to change them.
"""
import os
import struct
import sys


def name(dotted):
    out = b""
    for label in dotted.split(".") if dotted else []:
        raw = label.encode("latin-1")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def header(qid, flags, qd, an=0, ns=0, ar=0):
    return struct.pack(">6H", qid, flags, qd, an, ns, ar)


def question(wire, qtype=1, qclass=1):
    return wire + struct.pack(">HH", qtype, qclass)


def rr(rtype, rclass, rdata, owner=b"\xc0\x0c", ttl=60):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def ipv4(l4, proto):
    total = 20 + len(l4)
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, proto, 0,
                       bytes([192, 0, 2, 1]), bytes([192, 0, 2, 53])) + l4


def udp(payload, sport=40000, dport=53):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(payload, seq, flags=0x18, sport=40000, dport=53):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def ether(l3):
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + l3


def pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)) + frame)


def udp_case(msg):
    return [ether(ipv4(udp(msg), 17))]


def cases():
    one_char_253 = ".".join(["a"] * 127)
    ip6_arpa = ".".join("0123456789abcdef"[i % 16] for i in range(32)) + ".ip6.arpa"
    # Pointer chain: 100 questions, each a pointer to the previous one's name (legal, backward).
    chain = header(1, 0x0100, 101) + question(name("example.com"))
    offsets = [12]
    for _ in range(100):
        offsets.append(len(chain))
        chain += question(struct.pack(">H", 0xC000 | offsets[-2]))
    tiny = b"".join(struct.pack(">H", 12) + header(i, 0x0100, 0) for i in range(100))
    return [
        ("mutual-pointers", "two questions whose names point at each other (libtins #443)",
         udp_case(header(1, 0x0100, 2) + question(b"\xc0\x12") + question(b"\xc0\x0c")),
         ["rejected:name_pointer_loop"]),
        ("pointer-into-header", "qname is a pointer to offset 4, inside the header (getdns #549)",
         udp_case(header(1, 0x0100, 1) + question(b"\xc0\x04")), ["rejected:name_pointer_into_header"]),
        ("reserved-label-0x40", "label octet 0x41: reserved extended label type (rustnet #433)",
         udp_case(header(1, 0x0100, 1) + question(b"\x03abc\x41" + b"x" * 65 + b"\0")),
         ["rejected:name_bad_label_type"]),
        ("legal-253-char-name", "127 one-character labels: 253 characters, 255 wire octets, legal",
         udp_case(header(1, 0x0100, 1) + question(name(one_char_253))), ["ok"]),
        ("long-ip6-arpa-ptr", "PTR response for a 34-label ip6.arpa name (libtins #551)",
         udp_case(header(2, 0x8180, 1, 1) + question(name(ip6_arpa), 12) + rr(12, 1, name("host.example"))),
         ["ok"]),
        ("pointer-chain-100", "100 questions, each a pointer to the previous pointer: legal chain",
         udp_case(chain), ["ok"]),
        ("question-cut-after-qname", "QTYPE/QCLASS missing after the name (PowerDNS #4718)",
         udp_case(header(1, 0x0100, 1) + name("example.com") + b"\x00\x01"), ["rejected:dns_question_truncated"]),
        ("rdlength-zero-a", "A and AAAA answers with RDLENGTH 0",
         udp_case(header(3, 0x8180, 1, 2) + question(name("example.com")) + rr(1, 1, b"") + rr(28, 1, b"")),
         ["ok"]),
        ("txt-string-past-rdlength", "CHAOS TXT answer whose string claims more octets than RDATA has",
         udp_case(header(4, 0x8400, 1, 1) + question(name("version.bind"), 16, 3) + rr(16, 3, b"\x20" + b"9.18")),
         ["section:rr_truncated"]),
        ("rdata-past-end", "answer RDLENGTH 200 with 4 octets present",
         udp_case(header(5, 0x8180, 1, 1) + question(name("example.com")) + rr(1, 1, b"\1\2\3\4")[:-6]
                  + struct.pack(">H", 200) + b"\1\2\3\4"), ["section:rr_truncated"]),
        ("unprintable-bytes", "qname with NUL, tab, quote, backslash and 0xff octets (escaped on output)",
         udp_case(header(6, 0x0100, 1) + question(b"\x06a\x00\t\"\\\xff\x03com\x00")), ["ok"]),
        ("tcp-qdcount-zero-many-tiny", "100 header-only messages (qdcount 0) in one TCP segment",
         [ether(ipv4(tcp(tiny, 1000), 6))], ["ok"] * 100),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.tsv"), "w") as tsv:
        tsv.write("file\tverdicts\tdescription\n")
        for stem, why, frames, verdicts in cases():
            pcap(os.path.join(out, stem + ".pcap"), frames)
            tsv.write(f"{stem}.pcap\t{','.join(verdicts)}\t{why}\n")
    print(f"wrote {len(cases())} cases to {out}")


if __name__ == "__main__":
    main()
