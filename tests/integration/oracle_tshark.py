#!/usr/bin/python3
"""Oracle: recontap-dump against tshark on every capture in ../shared/pcaps.

For each capture, the multiset of (qname, qtype) pairs and the number of DNS
messages printed by recontap-dump must equal tshark's (-Y dns). Where the two
differ by design, EXPECTED below names the capture, the exact difference and
the reason; any other difference, or an expected one that does not happen,
fails the test.

usage: oracle_tshark.py RECONTAP_DUMP [PCAP_DIR]   (exit 77 when PCAP_DIR is absent)
"""
import collections
import os
import subprocess
import sys

SEP = "\x1f"  # tshark field aggregator: cannot occur in a printed name
DEFAULT_PORTS = [53, 5353, 5355]  # tshark dissects DNS, mDNS and LLMNR on these without help
# Captures whose DNS runs on other ports: both tools are told about them.
EXTRA_PORTS = {
    "tcpdump/tests/dns_tcp_8053.pcap": 8053,
    "suricata-verify/tests/dns/dns-truncated-rname/poc2.pcap": 1053,
}

C = collections.Counter
NAME_TOO_LONG = "<Name too long>"
# capture -> (pairs only tshark prints, pairs only recontap-dump prints,
#             tshark's messages minus those recontap accepted, of which recontap rejected, reason)
EXPECTED = {
    "tcpdump/tests/dns_fwdptr.pcap": (
        C({(NAME_TOO_LONG, "507"): 10517, (NAME_TOO_LONG, "1530"): 1}), C(), 1, 1,
        "CVE-2017-12995 reproducer: the first qname expands past 255 octets through forward "
        "pointers, so RFC 9267 rejects the message (name_too_long); tshark prints a placeholder "
        "for each of the 10518 questions it reaches"),
    "tcpdump/tests/dns-badlabel.pcap": (
        C({(NAME_TOO_LONG, "0"): 1}), C(), 1, 1,
        "the qname is longer than 255 octets: rejected (name_too_long); tshark prints a placeholder"),
    "zeek/testing/btest/Traces/dns/dns-invalid-names.pcap": (
        C({("<Name contains a pointer that loops>", "1"): 1}), C(), 3, 3,
        "three crafted queries (label past the end, c0 0c self-pointer, unterminated name) are "
        "rejected (name_truncated, name_pointer_loop, name_truncated); tshark counts all three and "
        "prints the loop as a placeholder name"),
    "suricata-verify/tests/dns/dns-truncated-rname/poc2.pcap": (
        C({(NAME_TOO_LONG, "16"): 1500}), C(), 1, 1,
        "Suricata #7280 PoC: 1500 questions whose names expand past 255 octets; the first is "
        "already name_too_long so the message is rejected; tshark prints 1500 placeholders"),
    "suricata-verify/tests/dns-udp-junkrequest-first/input.pcap": (
        C(), C(), 1, 1,
        "an SNMP datagram on port 53: tshark shows it as a DNS message without questions, "
        "recontap rejects it (name_truncated)"),
    "zeek/testing/btest/Traces/tunnels/geneve-vxlan-dns-truncated.pcap": (
        C({("corelight.com", "1"): 2}), C(), 2, 0,
        "DNS inside VXLAN inside Geneve: tunnels are not decoded (the tap sees the outer flow)"),
    "zeek/testing/btest/Traces/tunnels/gre-sample.pcap": (
        C({("www.gleeble.org", "255"): 4}), C(), 4, 0,
        "DNS inside GRE, and DNS quoted in ICMP errors: tunnels are not decoded and ICMP "
        "quotes are not DNS traffic"),
}


def tshark_view(path, ports):
    cmd = ["tshark", "-n", "-r", path, "-Y", "dns || mdns || llmnr", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=" + SEP, "-e", "dns.id", "-e", "dns.qry.name", "-e", "dns.qry.type"]
    # tshark dissects LLMNR on UDP only; RFC 4795 also runs it over TCP.
    cmd[2:2] = ["-d", "tcp.port==5355,dns"]
    for p in ports:
        if p not in DEFAULT_PORTS:
            cmd[2:2] = ["-d", f"tcp.port=={p},dns", "-d", f"udp.port=={p},dns"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    pairs, messages = C(), 0
    for line in out.splitlines():
        ids, names, types = (line.split("\t") + ["", "", ""])[:3]
        messages += len(ids.split(SEP)) if ids else 0
        names = names.split(SEP) if names else []
        types = types.split(SEP) if types else []
        for name, qtype in zip(names, types):
            pairs[("." if name == "<Root>" else name, qtype)] += 1
    return pairs, messages


def dump_view(dump, path, ports):
    res = subprocess.run([dump, "--stats", "--ports", ",".join(map(str, ports)), path],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"recontap-dump exit {res.returncode}: {res.stderr.strip()}")
    lines = res.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["ts", "src", "sport"], lines[0]
    pairs, keys = C(), set()
    stats = dict(l.split("\t") for l in res.stderr.splitlines() if "\t" in l)
    for line in lines[1:]:
        f = line.split("\t")
        if f[12] != "-":
            pairs[(f[12], f[13])] += 1
    return pairs, int(stats["dns_messages"]), int(stats["dns_rejected"])


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    dump = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "pcaps")
    manifest = os.path.join(root, "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print(f"SKIP: no shared captures at {os.path.normpath(root)}")
        return 77
    with open(manifest) as f:
        captures = [l.split("\t")[0] for l in f.read().splitlines()[1:] if l.strip()]
    failures = []
    for rel in captures:
        path = os.path.join(root, rel)
        ports = DEFAULT_PORTS + ([EXTRA_PORTS[rel]] if rel in EXTRA_PORTS else [])
        t_pairs, t_msgs = tshark_view(path, ports)
        try:
            d_pairs, d_msgs, d_rejected = dump_view(dump, path, ports)
        except RuntimeError as e:
            failures.append(f"{rel}: {e}")
            continue
        only_t, only_d = t_pairs - d_pairs, d_pairs - t_pairs
        # Messages tshark shows that recontap did not accept: rejected ones explain the gap.
        msg_gap = t_msgs - (d_msgs - d_rejected)
        exp = EXPECTED.get(rel)
        if exp is None:
            ok = not only_t and not only_d and msg_gap == 0
            want = "no difference"
        else:
            e_t, e_d, e_gap, e_rejected, reason = exp
            ok = only_t == e_t and only_d == e_d and msg_gap == e_gap and d_rejected == e_rejected
            want = f"expected difference ({reason}): {e_rejected} rejected"
        status = "ok" if ok else "FAIL"
        print(f"{status:4} {rel}: tshark {t_msgs} msgs/{sum(t_pairs.values())} pairs, "
              f"recontap {d_msgs} msgs ({d_rejected} rejected)/{sum(d_pairs.values())} pairs"
              + ("" if exp is None else f"  [expected: {exp[4][:60]}...]"))
        if not ok:
            failures.append(f"{rel}: wanted {want}; only tshark {dict(only_t)}; only recontap "
                            f"{dict(only_d)}; message gap {msg_gap}")
    for line in failures:
        print("FAIL", line)
    print(f"{len(captures) - len(failures)}/{len(captures)} captures agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
