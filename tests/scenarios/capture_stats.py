"""Reads a capture back (scapy) and counts, per client and 60-second window, what each detector counts.

Independent of the generator's encoder: frames are read with scapy's
RawPcapReader, questions decoded with scapy's DNSQR, header fields with
struct. Counts follow lib/detect: the client is the source of a query and the
destination of a response (IPv6 aggregated by /64); windows are tumbling,
aligned on absolute packet time plus `offset`.
"""
import collections
import ipaddress
import os
import struct

from scapy.all import DNSQR, RawPcapReader

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINDOW = 60
SECOND_LEVEL = {"co.uk", "org.uk", "ac.uk", "com.au", "net.au", "co.jp", "com.br", "co.nz", "co.za"}
FAILURE_RCODES = {2, 3, 5}
ALLOWED = ("sophosxl.net", "zen.spamhaus.org")  # a few of config's default allow_domains the generator uses

Message = collections.namedtuple("Message", "t client server is_response qname qtype qclass rcode ancount")


def _rule_words(filename):
    """Bare-word entries of a rules/ file (patterns and comments left out)."""
    words = set()
    with open(os.path.join(REPO, "rules", filename)) as f:
        for line in f:
            word = line.split("#", 1)[0].strip().lower()
            if word and "*" not in word and not word.startswith("re:"):
                words.add(word)
    return words


SENSITIVE = _rule_words("sensitive-labels.rules")
PROVIDERS = _rule_words("pdns-providers.rules")


def read(path):
    """Every DNS message of the capture (UDP and TCP port 53; one message per TCP segment)."""
    reader = RawPcapReader(path)
    try:
        return [m for m in (_message(raw, meta) for raw, meta in reader) if m]
    finally:
        reader.close()


def _message(raw, meta):
    """One frame -> Message, or None when it is not DNS on port 53."""
    t = meta.sec + meta.usec / 1e6
    ethertype = struct.unpack_from("!H", raw, 12)[0]
    if ethertype == 0x0800:
        ihl = (raw[14] & 15) * 4
        proto, src, dst, l4 = raw[23], raw[26:30], raw[30:34], 14 + ihl
    elif ethertype == 0x86DD:
        proto, src, dst, l4 = raw[20], raw[22:38], raw[38:54], 54
    else:
        return None
    if proto == 17:
        sport, dport = struct.unpack_from("!HH", raw, l4)
        dns = raw[l4 + 8:]
    elif proto == 6:
        sport, dport = struct.unpack_from("!HH", raw, l4)
        dns = raw[l4 + (raw[l4 + 12] >> 4) * 4 + 2:]
    else:
        return None
    if 53 not in (sport, dport) or len(dns) < 12:
        return None
    _, flags, qdcount, ancount = struct.unpack_from("!HHHH", dns)
    if qdcount == 0:
        return None
    q = DNSQR(dns[12:])
    is_response = bool(flags & 0x8000)
    client, server = (dst, src) if is_response else (src, dst)
    return Message(t, _client_key(client), _address(server), is_response,
                   q.qname.decode("latin-1").rstrip(".").lower(), q.qtype, q.qclass, flags & 15, ancount)


def _address(packed):
    return str(ipaddress.ip_address(bytes(packed)))


def _client_key(packed):
    if len(packed) == 4:
        return _address(packed)
    return str(ipaddress.ip_network(_address(packed) + "/64", strict=False))


def under(name, suffix):
    return name == suffix or name.endswith("." + suffix)


def base_domain(name, zones):
    for z in zones:
        if under(name, z):
            return z
    labels = name.split(".")
    n = 3 if ".".join(labels[-2:]) in SECOND_LEVEL else 2
    return ".".join(labels[-n:])


class Site:
    """The truth file's site model, as the counting needs it."""

    def __init__(self, model):
        self.zones = model["internal_zones"]
        self.servers = set(model["dns_servers"])
        self.networks = [ipaddress.ip_network(n) for n in model["internal_networks"]]

    def internal_client(self, client):
        net = ipaddress.ip_network(client, strict=False)
        return any(net.subnet_of(n) for n in self.networks if n.version == net.version)


def window_counts(messages, site, offset=0.0):
    """{client: {measure: maximum over windows}} for one window alignment."""
    per = collections.defaultdict(lambda: collections.defaultdict(_Window))
    internal = {}
    for m in messages:
        if m.client not in internal:
            internal[m.client] = site.internal_client(m.client)
        per[m.client][int((m.t - offset) // WINDOW)].add(m, site, internal[m.client])
    result = {}
    for client, windows in per.items():
        result[client] = {k: max(w.measures()[k] for w in windows.values()) for k in _Window.MEASURES}
    return result


def robust_counts(messages, site, step=5):
    """Per client and measure: (lowest, highest) of the window maximum over alignments every `step` s.

    lowest >= threshold: the detector fires wherever the windows fall;
    highest < threshold: it stays quiet wherever they fall.
    """
    runs = [window_counts(messages, site, off) for off in range(0, WINDOW, step)]
    out = {}
    for client in runs[0]:
        out[client] = {k: (min(r[client][k] for r in runs), max(r[client][k] for r in runs))
                       for k in _Window.MEASURES}
    return out


class _Window:
    MEASURES = ("queries", "failures", "failure_share", "enum", "sens", "sens_internal", "pdns", "rare", "ptr24",
                "srv", "ext", "transfer_answers")

    def __init__(self):
        self.queries = self.responses = self.failures = self.pdns = self.rare = self.ext = self.transfer = 0
        self.names = collections.defaultdict(set)
        self.sens, self.sens_internal = set(), set()
        self.ptr = collections.defaultdict(set)
        self.srv = set()

    def add(self, m, site, internal_client):
        name = m.qname
        zones = site.zones
        internal = any(under(name, z) for z in zones)
        counted = not any(under(name, a) for a in ALLOWED) and not under(name, "arpa")
        if m.is_response:
            self.responses += 1
            if m.rcode in FAILURE_RCODES and counted:
                self.failures += 1
            if m.qtype in (251, 252) and m.rcode == 0 and m.ancount:
                self.transfer += 1
            return
        self.queries += 1
        first = name.split(".", 1)[0]
        if counted and "." in name and base_domain(name, zones) != name:
            self.names[base_domain(name, zones)].add(name)
        if first in SENSITIVE and counted:
            (self.sens_internal if internal else self.sens).add(name)
        if name in PROVIDERS:
            self.pdns += 1
        if m.qclass == 3 or m.qtype in (251, 252, 255, 47, 50):
            self.rare += 1
        labels = name.split(".")
        if m.qtype == 12 and len(labels) == 6 and under(name, "in-addr.arpa"):
            self.ptr[tuple(labels[1:4])].add(labels[0])
        if m.qtype == 33:  # SRV breadth counts services ("_ldap._tcp"), not names
            self.srv.add(".".join(name.lower().split(".")[:2]))
        if not internal_client and (m.server in site.servers or internal):
            self.ext += 1

    def measures(self):
        return {
            "queries": self.queries, "failures": self.failures,
            "failure_share": self.failures / self.responses if self.responses else 0.0,
            "enum": max((len(s) for s in self.names.values()), default=0),
            "sens": len(self.sens) + len(self.sens_internal), "sens_internal": len(self.sens_internal),
            "pdns": self.pdns, "rare": self.rare, "ptr24": max((len(s) for s in self.ptr.values()), default=0),
            "srv": len(self.srv),
            "ext": self.ext, "transfer_answers": self.transfer,
        }
