"""Benign office background: what the detectors must stay quiet about (RECON_REFERENCE.md section 5).

Every client's counts stay far below every threshold in any 60-second span:
a few to forty queries a minute, a handful of NXDOMAIN, a few names per base
domain, no sensitive-label brute force, no provider lookups.
"""
import bisect
import itertools
import math

from . import site, wire
from .traffic import Exchange

# Names people's machines resolve; none is a passive-DNS provider (section 1) and no
# label is a sensitive one (section 2), so a background query never matches a rule.
_POPULAR = [
    "www.google.com", "fonts.googleapis.com", "fonts.gstatic.com", "www.gstatic.com", "www.youtube.com",
    "i.ytimg.com", "www.microsoft.com", "outlook.office365.com", "teams.microsoft.com", "www.office.com",
    "www.linkedin.com", "static.licdn.com", "en.wikipedia.org", "upload.wikimedia.org", "www.bbc.co.uk",
    "www.amazon.com", "images-na.ssl-images-amazon.com", "www.github.com", "github.githubassets.com",
    "avatars.githubusercontent.com", "slack.com", "edgeapi.slack.com", "zoom.us", "www.dropbox.com",
    "ocsp.digicert.com", "ocsp.pki.goog", "ctldl.windowsupdate.com", "time.windows.com",
    "www.msftconnecttest.com", "clients4.google.com", "safebrowsing.googleapis.com", "play.google.com",
    "www.facebook.com", "static.xx.fbcdn.net", "www.reddit.com", "www.stackoverflow.com", "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com", "ajax.googleapis.com", "www.nytimes.com", "www.theguardian.com",
]
_SYLLABLES = ["ka", "lo", "mi", "ra", "ton", "vel", "bri", "sa", "nor", "del", "fa", "quin", "zu", "pe", "lan",
              "dor", "ex", "ol", "tri", "ven", "mar", "co", "nex", "ta", "ri", "um", "sol", "ber", "gi", "va"]
_TLDS = ["com", "com", "com", "net", "org", "io", "de", "co.uk", "fr"]
_HOST_LABELS = ["www", "static", "img", "media", "cdn", "assets", "news", "shop", "blog", "m", "video", "edge"]
_OFFICE_HOSTS = ["fs01", "fs02", "print", "wiki", "ntp1", "timesheet", "canteen", "ws-build"]


def name_universe(size=3000):
    """Popular names first (highest Zipf rank), then synthetic sites with 1-4 host names each."""
    names = list(_POPULAR)
    for i in itertools.count():
        if len(names) >= size:
            break
        h = site.stable_hash("site%d" % i)
        base = "".join(_SYLLABLES[(h >> (5 * k)) % len(_SYLLABLES)] for k in range(2 + h % 2))
        base += "-%d" % (h >> 40 & 0xFF) if h & 0x100000 else ""
        tld = _TLDS[(h >> 20) % len(_TLDS)]
        for k in range(1 + (h >> 30) % 4):
            names.append("%s.%s.%s" % (_HOST_LABELS[(h >> (33 + 3 * k)) % len(_HOST_LABELS)], base, tld))
    return sorted(set(names[:size]), key=names.index)


class ZipfNames:
    def __init__(self, names, exponent=1.05):
        self.names = names
        weights = [1.0 / (rank + 1) ** exponent for rank in range(len(names))]
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng):
        return self.names[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]


def _answer(name, qtype):
    """NOERROR answer records for an ordinary name (some have no AAAA/HTTPS: NODATA)."""
    h = site.stable_hash(name)
    if qtype == wire.A:
        return [wire.rr(None, wire.A, wire.rdata_a(site.fake_ipv4(name)), ttl=60 + h % 3600)]
    if qtype == wire.AAAA:
        return [wire.rr(None, wire.AAAA, wire.rdata_aaaa(site.fake_ipv6(name)), ttl=300)] if h % 10 < 7 else []
    if qtype == wire.HTTPS:
        return [wire.rr(None, wire.HTTPS, wire.rdata_https(), ttl=300)] if h % 10 < 3 else []
    return []


def _resolution_delay(rng, internal_server=True):
    if rng.random() < 0.7:  # cache hit
        return rng.uniform(0.0002, 0.0009) if internal_server else rng.uniform(0.004, 0.012)
    return rng.uniform(0.008, 0.08)


def client_addresses(count, rng):
    """IPv4 workstations in 10.1-10.9.x.x; one in five an IPv6 host, each in its own /64."""
    out = []
    for i in range(count):
        if rng.random() < 0.2:
            out.append("fd00:0:0:%x::%x" % (0x100 + i, 0x1000 + rng.getrandbits(12)))
        else:
            out.append("10.%d.%d.%d" % (1 + i // 4000, (i // 250) % 16 * 16 + rng.randrange(16), 2 + i % 250))
    return out


def _random_letters(rng, low, high):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(low, high)))


class Office:
    """Generates the background; every method appends exchanges to self.out."""

    def __init__(self, rng, t0, duration):
        self.rng, self.t0, self.duration = rng, t0, duration
        self.names = ZipfNames(name_universe())
        self.out = []

    def ask(self, t, client, server, qname, qtype=wire.A, rcode=wire.NOERROR, answers=None, aa=False, edns=False):
        if answers is None:
            answers = _answer(qname, qtype) if rcode == wire.NOERROR else []
        internal = server in site.DNS_SERVERS or server == site.DNS_SERVER_V6
        self.out.append(Exchange(t, client, server, qname, qtype, rcode=rcode, answers=answers, aa=aa, edns=edns,
                                 delay=_resolution_delay(self.rng, internal and not aa) if not aa
                                 else self.rng.uniform(0.0002, 0.0006)))

    def workstation(self, client):
        rng = self.rng
        if ":" in client:
            server = site.DNS_SERVER_V6
        elif rng.random() < 0.05:
            server = rng.choice(site.PUBLIC_RESOLVERS[:4])  # a laptop with a hard-coded public resolver
        else:
            server = rng.choice(site.DNS_SERVERS)
        start = self.t0 + rng.uniform(0, min(60.0, self.duration / 2))
        end = self.t0 + self.duration
        edns = rng.random() < 0.5
        # Browser start-up: three random single labels, NXDOMAIN (intranet-redirect detection);
        # with a DNS search suffix the resolver library also tries <label>.corp.example.
        suffixed = rng.random() < 0.5
        for k in range(3):
            label = _random_letters(rng, 7, 15)
            self.ask(start + 0.01 * k, client, server, label, rcode=wire.NXDOMAIN)
            if suffixed:
                self.ask(start + 0.01 * k + 0.002, client, server, label + "." + site.ZONE, rcode=wire.NXDOMAIN)
        # Windows domain member: DC locator SRV lookups at start and every 15 minutes or so.
        if server in site.DNS_SERVERS or server == site.DNS_SERVER_V6:
            t = start + rng.uniform(0.5, 3)
            while t < end:
                target = "dc%d.%s" % (1 + rng.getrandbits(1), site.ZONE)
                for srv in ("_ldap._tcp.dc._msdcs." + site.ZONE, "_gc._tcp." + site.ZONE):
                    self.ask(t, client, server, srv, wire.SRV, aa=True,
                             answers=[wire.rr(None, wire.SRV, wire.rdata_srv(0, 100, 389, target))])
                    t += 0.002
                t += rng.uniform(800, 1000)
        rate = min(40.0, math.exp(rng.gauss(math.log(6), 0.7))) / 60.0  # page loads per second
        has_av = rng.random() < 0.3
        t = start + rng.expovariate(rate)
        while t < end:
            self.page_load(t, client, server, edns)
            if has_av and rng.random() < 0.15:
                self.ask(t + 0.3, client, server, "%032x.v4.sxl.sophosxl.net" % rng.getrandbits(128),
                         answers=[wire.rr(None, wire.A, wire.rdata_a("127.0.0.%d" % rng.randint(1, 4)))])
            if rng.random() < 0.03 and server in site.DNS_SERVERS:
                host = rng.choice(_OFFICE_HOSTS) + "." + site.ZONE
                self.ask(t + 0.5, client, server, host, aa=True,
                         answers=[wire.rr(None, wire.A, wire.rdata_a("10.0.%d.%d" % (
                             10 + site.stable_hash(host) % 20, 2 + site.stable_hash(host) % 200)))])
            t += rng.expovariate(rate)
        # One look-up of the VPN or mail host now and then: one name, not a brute force.
        if rng.random() < 0.1 and server in site.DNS_SERVERS:
            host = rng.choice(("vpn", "mail")) + "." + site.ZONE
            self.ask(rng.uniform(start, end), client, server, host, aa=True,
                     answers=[wire.rr(None, wire.A, wire.rdata_a("10.0.1.%d" % (10 + len(host))))])

    def page_load(self, t, client, server, edns):
        rng = self.rng
        for _ in range(1 + int(rng.expovariate(0.6))):
            name = self.names.pick(rng)
            if rng.random() < 0.004:  # a typo: NXDOMAIN
                self.ask(t, client, server, name.replace(".", "x.", 1), rcode=wire.NXDOMAIN, edns=edns)
                continue
            self.ask(t, client, server, name, wire.A, edns=edns)
            self.ask(t + 0.0003, client, server, name, wire.AAAA, edns=edns)
            if rng.random() < 0.3:
                self.ask(t + 0.0006, client, server, name, wire.HTTPS, edns=edns)
            t += rng.uniform(0.01, 0.4)

    def mail_server(self, client="10.0.5.25"):
        """DNSBL lookups (mostly NXDOMAIN) and PTR checks of senders scattered over unrelated /24s."""
        rng = self.rng
        t = self.t0 + rng.uniform(0, 5)
        while t < self.t0 + self.duration:
            sender = "%d.%d.%d.%d" % (rng.choice((45, 62, 77, 91, 103, 146, 185, 193, 212)), rng.randrange(256),
                                     rng.randrange(256), rng.randint(1, 254))
            rev = ".".join(reversed(sender.split(".")))
            server = rng.choice(site.DNS_SERVERS)
            listed = rng.random() < 0.12
            self.ask(t, client, server, rev + ".zen.spamhaus.org",
                     rcode=wire.NOERROR if listed else wire.NXDOMAIN,
                     answers=[wire.rr(None, wire.A, wire.rdata_a("127.0.0.%d" % rng.choice((2, 4, 10))))]
                     if listed else [])
            has_ptr = rng.random() < 0.75
            ptr_name = rev + ".in-addr.arpa"
            self.ask(t + 0.05, client, server, ptr_name, wire.PTR, rcode=wire.NOERROR if has_ptr else wire.NXDOMAIN,
                     answers=[wire.rr(None, wire.PTR, wire.rdata_name(
                         "mail%d.%s" % (rng.randrange(9), self.names.pick(rng).split(".", 1)[1])))] if has_ptr else [])
            t += rng.expovariate(1 / 8.0)


def office(rng, t0, duration, clients):
    """Background of `clients` workstations plus a mail server over `duration` seconds."""
    gen = Office(rng, t0, duration)
    for client in client_addresses(clients, rng):
        gen.workstation(client)
    if clients:
        gen.mail_server()
    return gen.out
