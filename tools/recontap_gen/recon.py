"""Reconnaissance behaviours of RECON_REFERENCE.md section 3, one attacker client each.

Each behaviour returns (exchanges, alerts): alerts are the (client, detector,
tier) the playbook expects at the default thresholds of lib/config/config.hpp
(window 60 s, BULK > 1000, NXD >= 50 and >= 50 %, SENS >= 3 distinct names,
ENUM >= 200 distinct names under one base domain, PDNS >= 1, RARE on any
AXFR/IXFR/ANY/CHAOS query, NSEC/DNSKEY walking, >= 32 PTR targets in a /24).
Tier 2 (mgmt/escalation): BULK, MISCONF, INTEL, and any detection whose
triggering name is under an internal zone; otherwise Tier 1.  Counts are
chosen so that window placement cannot change the outcome: a burst meant to
cross a threshold crosses it even when a window boundary halves it, and a
count meant to stay below stays below for the whole behaviour.
"""
import random
import string

from . import site, wire
from .traffic import Exchange

Z = site.ZONE
NS1, NS2 = site.DNS_SERVERS


def alert(client, detector, tier, note):
    return {"client": client, "detector": detector, "tier": tier, "note": note}


def _corp_ip(label):
    h = site.stable_hash(label)
    return wire.rdata_a("10.0.%d.%d" % (1 + h % 9, 2 + (h >> 8) % 250))


def _corp_answer(label):
    return [wire.rr(None, wire.A, _corp_ip(label))]


def passive(rng, t):
    """An analyst box mining passive DNS / CT / scan databases: its only DNS trace is the API names."""
    c = "10.66.0.10"
    out = []
    for rnd in range(4):  # the tools poll their APIs again every minute or so
        for name in rng.sample(site.PDNS_PROVIDERS, 6 + rnd):
            out.append(Exchange(t, c, NS1, name, wire.A, answers=[wire.rr(None, wire.A, wire.rdata_a(
                site.fake_ipv4(name)))], delay=rng.uniform(0.005, 0.05)))
            t += rng.uniform(0.5, 4)
        t += rng.uniform(40, 70)
    return out, [alert(c, "PDNS", 1, "resolves passive-DNS / CT / scan-database API names, nothing else")]


SRV_NAMES = [
    "_gc._tcp", "_kerberos._tcp", "_kerberos._udp", "_ldap._tcp", "_test._tcp", "_sips._tcp", "_sip._udp",
    "_sip._tcp", "_aix._tcp", "_finger._tcp", "_ftp._tcp", "_http._tcp", "_nntp._tcp", "_telnet._tcp",
    "_whois._tcp", "_h323cs._tcp", "_h323cs._udp", "_h323be._tcp", "_h323be._udp", "_h323ls._tcp",
    "_h323ls._udp", "_sipinternal._tcp", "_sipinternaltls._tcp", "_sip._tls", "_sipfederationtls._tcp",
    "_jabber._tcp", "_xmpp-server._tcp", "_xmpp-client._tcp", "_imap.tcp", "_certificates._tcp", "_crls._tcp",
    "_pgpkeys._tcp", "_pgprevokations._tcp", "_cmp._tcp", "_svcp._tcp", "_crl._tcp", "_ocsp._tcp",
    "_PKIXREP._tcp", "_smtp._tcp", "_hkp._tcp", "_hkps._tcp", "_jabber._udp", "_xmpp-server._udp",
    "_xmpp-client._udp", "_jabber-client._tcp", "_jabber-client._udp", "_kerberos.tcp.dc._msdcs",
    "_ldap._tcp.ForestDNSZones", "_ldap._tcp.dc._msdcs", "_ldap._tcp.pdc._msdcs", "_ldap._tcp.gc._msdcs",
    "_kerberos._tcp.dc._msdcs", "_kpasswd._tcp", "_kpasswd._udp", "_imap._tcp", "_imaps._tcp", "_submission._tcp",
    "_pop3._tcp", "_pop3s._tcp", "_caldav._tcp", "_caldavs._tcp", "_carddav._tcp", "_carddavs._tcp",
    "_autodiscover._tcp", "_collab-edge._tls", "_cisco-uds._tcp", "_matrix._tcp", "_minecraft._tcp",
]
_SRV_PRESENT = {"_gc._tcp", "_kerberos._tcp", "_kerberos._udp", "_ldap._tcp", "_ldap._tcp.dc._msdcs",
                "_kerberos._tcp.dc._msdcs", "_kpasswd._tcp", "_kpasswd._udp", "_autodiscover._tcp"}


def _axfr_refused(t, c, out):
    for ns in (NS1, NS2):
        out.append(Exchange(t, c, ns, Z, wire.AXFR, rcode=wire.REFUSED, tcp=True, rd=False, ra=False,
                            delay=0.0008))
        t += 0.05
    return t


def dnsrecon(rng, t):
    """dnsrecon -d corp.example -t std,brt,srv against the internal servers (section 3 standard run)."""
    c = "10.66.0.20"
    out = []

    def q(name, qtype=wire.A, rcode=wire.NOERROR, answers=(), server=NS1, qclass=wire.IN, **kw):
        nonlocal t
        out.append(Exchange(t, c, server, name, qtype, qclass, rcode=rcode, answers=answers,
                            delay=rng.uniform(0.0003, 0.002), **kw))
        t += rng.uniform(0.01, 0.06)

    wildcard = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(12))
    q(wildcard + "." + Z, rcode=wire.NXDOMAIN)
    q(Z, wire.NS, answers=[wire.rr(None, wire.NS, wire.rdata_name(n)) for n in site.NAME_SERVERS])
    t = _axfr_refused(t, c, out)
    q(Z, wire.DNSKEY, edns=True, do=True)            # NODATA: the zone is not signed
    q("0." + Z, wire.A, rcode=wire.NXDOMAIN, edns=True, do=True)
    q(Z, wire.SOA, answers=[wire.rr(None, wire.SOA, wire.rdata_soa("ns1." + Z, "hostmaster." + Z, 2026030201))])
    q(Z, wire.NS, answers=[wire.rr(None, wire.NS, wire.rdata_name(n)) for n in site.NAME_SERVERS])
    q(Z, wire.MX, answers=[wire.rr(None, wire.MX, wire.rdata_mx(10, "mail." + Z))])
    for ns in (NS1, NS2):
        q("www.google.com", wire.NS, server=ns, answers=[wire.rr(None, wire.NS, wire.rdata_name("ns1.google.com"))])
        q("version.bind", wire.TXT, qclass=wire.CH, rcode=wire.REFUSED, server=ns, rd=False, ra=False)
    q(Z, wire.A, answers=_corp_answer(Z))
    q(Z, wire.AAAA)
    q(Z, wire.SPF)
    q(Z, wire.TXT, answers=[wire.rr(None, wire.TXT, wire.rdata_txt("v=spf1 mx -all"))])
    q("_domainkey." + Z, wire.TXT, rcode=wire.NXDOMAIN)
    for srv in SRV_NAMES:
        present = srv in _SRV_PRESENT
        q(srv + "." + Z, wire.SRV, rcode=wire.NOERROR if present else wire.NXDOMAIN,
          answers=[wire.rr(None, wire.SRV, wire.rdata_srv(0, 100, 88, "dc1." + Z))] if present else ())
    t += 1.0
    for word in site.brute_force_words(500):  # ~20 names/s: 500 names in about 25 s
        present = word in site.CORP_HOSTS
        out.append(Exchange(t, c, NS1, word + "." + Z, wire.A, rcode=wire.NOERROR if present else wire.NXDOMAIN,
                            answers=_corp_answer(word) if present else (), aa=True,
                            delay=rng.uniform(0.0003, 0.002)))
        t += rng.uniform(0.03, 0.07)
    return out, [
        alert(c, "RARE", 2, "AXFR of corp.example to each name server (REFUSED), DNSKEY, SRV breadth, CHAOS"),
        alert(c, "SENS", 2, "sensitive labels (vpn, admin, jenkins, ...) brute-forced under the internal zone"),
        alert(c, "ENUM", 2, "~570 distinct names under corp.example within 30 s"),
        alert(c, "NXD", 2, "~530 NXDOMAIN of ~590 responses, names under corp.example"),
    ]


def _spray(rng, t, words, target, source, resolvers, qtype):
    """massdns's traffic: one name a query, 40 a second, each to a random resolver, mostly NXDOMAIN."""
    out = []
    for word in site.brute_force_words(words):
        name = word + "." + target
        roll = rng.random()
        rcode = wire.NOERROR if roll < 0.06 else wire.SERVFAIL if roll < 0.07 else wire.NXDOMAIN
        rdata = wire.rdata_a(site.fake_ipv4(name)) if qtype == wire.A else wire.rdata_aaaa(site.fake_ipv6(name))
        out.append(Exchange(t, source(), rng.choice(resolvers), name, qtype, rcode=rcode,
                            answers=[wire.rr(None, qtype, rdata)] if rcode == wire.NOERROR else (),
                            delay=rng.uniform(0.01, 0.12)))
        t += rng.uniform(0.015, 0.035)
    return out


def _spray_alerts(client, words, how):
    return [
        alert(client, "BULK", 2, "2400 queries a minute " + how),
        alert(client, "NXD", 1, "~93% of responses NXDOMAIN/SERVFAIL"),
        alert(client, "ENUM", 1, "%d distinct names under target-corp.com" % words),
        alert(client, "SENS", 1, "the word list holds admin, vpn, jenkins, ... under target-corp.com"),
    ]


def massdns(rng, t, target="target-corp.com"):
    """massdns spraying a 4000-word list under one external domain over 50 public resolvers (100 s)."""
    c = "10.66.0.30"
    return (_spray(rng, t, 4000, target, lambda: c, site.PUBLIC_RESOLVERS, wire.A),
            _spray_alerts(c, 4000, "from one client across 50 resolvers"))


def massdns_v6(rng, t, target="target-corp.com", prefix="fd00:0:0:66:"):
    """massdns from an IPv6 host drawing a random source address in its /64 for every query (75 s).

    No single address sends more than a query or two: only the /64 aggregation
    (DESIGN.md: IPv6 clients by prefix for rate detectors) makes it one client,
    so the expected client is the prefix and any alert address inside it matches.
    """
    def source():
        return prefix + "%x:%x:%x:%x" % tuple(rng.getrandbits(16) for _ in range(4))
    return (_spray(rng, t, 3000, target, source, site.PUBLIC_RESOLVERS_V6, wire.AAAA),
            _spray_alerts(prefix + ":/64", 3000, "from one /64, a fresh source address for each"))


def axfr_refused(rng, t):
    """dig NS corp.example, then dig AXFR at each name server: both refuse."""
    c = "10.66.0.40"
    out = [Exchange(t, c, NS1, Z, wire.NS, answers=[wire.rr(None, wire.NS, wire.rdata_name(n))
                                                   for n in site.NAME_SERVERS], delay=0.0004)]
    _axfr_refused(t + 2.5, c, out)
    return out, [alert(c, "RARE", 2, "AXFR of the internal zone at both name servers, REFUSED")]


def zone_records():
    soa = wire.rdata_soa("ns1." + Z, "hostmaster." + Z, 2026030201)
    head = [wire.rr(Z, wire.SOA, soa, 3600)] + [wire.rr(Z, wire.NS, wire.rdata_name(n), 3600)
                                                 for n in site.NAME_SERVERS]
    head.append(wire.rr(Z, wire.MX, wire.rdata_mx(10, "mail." + Z), 3600))
    hosts = [wire.rr(h + "." + Z, wire.A, _corp_ip(h), 3600) for h in site.CORP_HOSTS]
    srv = [wire.rr("_ldap._tcp.dc._msdcs." + Z, wire.SRV, wire.rdata_srv(0, 100, 389, "dc1." + Z), 600)]
    return head + hosts[:14], hosts[14:] + srv + [wire.rr(Z, wire.SOA, soa, 3600)]


def axfr_success(rng, t):
    """SOA, then a zone transfer the secondary answers with the whole zone (two TCP messages)."""
    c = "10.66.0.60"
    out = [Exchange(t, c, NS2, Z, wire.SOA, aa=True, delay=0.0005, answers=[
        wire.rr(None, wire.SOA, wire.rdata_soa("ns1." + Z, "hostmaster." + Z, 2026030201))])]
    out.append(Exchange(t + 1.2, c, NS2, Z, wire.AXFR, tcp=True, rd=False, ra=False, aa=True, delay=0.0012,
                        response_messages=list(zone_records())))
    return out, [alert(c, "RARE", 2, "AXFR of the internal zone"),
                 alert(c, "MISCONF", 2, "the zone transfer was answered with records")]


def ptr_sweep(rng, t, net="10.20.30"):
    """dnsrecon -t rvl over a whole /24: 256 PTR queries at 2 a second (RARE, below ENUM and NXD)."""
    c = "10.66.0.70"
    out = []
    for host in range(256):
        name = "%d.%s.in-addr.arpa" % (host, ".".join(reversed(net.split("."))))
        named = site.stable_hash(name) % 100 < 88
        out.append(Exchange(t, c, NS1, name, wire.PTR, rcode=wire.NOERROR if named else wire.NXDOMAIN, aa=True,
                            answers=[wire.rr(None, wire.PTR, wire.rdata_name("host-%d.%s" % (host, Z)))]
                            if named else (), delay=rng.uniform(0.0003, 0.001)))
        t += rng.uniform(0.45, 0.55)
    return out, [alert(c, "RARE", 1, "PTR sweep of %s.0/24: ~120 targets a minute" % net)]


def nsec_walk(rng, t, zone="example-signed.org", server="203.0.113.53"):
    """Zone walking at the target's authoritative server: DNSKEY, then NSEC queries for \\000.<name>."""
    c = "10.66.0.80"
    names = [zone] + sorted("%s.%s" % (w, zone) for w in site.brute_force_words(100)[::4][:29])
    out = [Exchange(t, c, server, zone, wire.DNSKEY, aa=True, rd=False, ra=False, edns=True, do=True,
                    answers=[wire.rr(None, wire.DNSKEY, wire.rdata_dnskey(f, rng.randbytes(64)))
                             for f in (256, 257)], delay=0.03)]
    t += 0.4
    soa = wire.rr(zone, wire.SOA, wire.rdata_soa("ns1." + zone, "hostmaster." + zone, 7), 3600)
    for i, name in enumerate(names):
        nxt = names[(i + 1) % len(names)]
        probe = ("0." if i == 0 else "\\000.") + name
        proof = wire.rr(name, wire.NSEC, wire.rdata_nsec(nxt, (wire.A, wire.AAAA, wire.RRSIG, wire.NSEC)), 300)
        out.append(Exchange(t, c, server, probe, wire.NSEC, rcode=wire.NXDOMAIN, authority=[soa, proof], aa=True,
                            rd=False, ra=False, edns=True, do=True, delay=rng.uniform(0.02, 0.04)))
        t += rng.uniform(0.15, 0.3)
    return out, [alert(c, "RARE", 1, "NSEC (47) queries for 0./\\000. names under %s" % zone)]


def version_bind(rng, t):
    """nmap dns-nsid: CHAOS TXT version.bind and id.server at both servers; both refuse."""
    c = "10.66.0.90"
    out = []
    for ns in (NS1, NS2):
        for name in ("version.bind", "id.server"):
            out.append(Exchange(t, c, ns, name, wire.TXT, wire.CH, rcode=wire.REFUSED, rd=False, ra=False,
                                delay=0.0004))
            t += 0.02
    return out, [alert(c, "RARE", 1, "CHAOS TXT version.bind / id.server, no version disclosed")]


def outsider(rng, t, client="198.51.100.77"):
    """An internet address asking the internal server for internal-zone records; the server refuses."""
    out = []
    for name, qtype in ((Z, wire.SOA), (Z, wire.NS), (Z, wire.MX), ("www." + Z, wire.A), (Z, wire.TXT)):
        for ns in (NS1, NS2):
            out.append(Exchange(t, client, ns, name, qtype, rcode=wire.REFUSED, ra=False, delay=0.0004))
            t += rng.uniform(0.05, 0.3)
    return out, [alert(client, "EXT", 2, "external client querying corp.example at the internal servers")]


def pdns_then_probe(rng, t):
    """Passive mining, then the same box fingerprints the name servers a minute later (PDNS correlation).

    The CHAOS probe alone is a Tier 1 RARE; coming from a host that looked up a
    passive-DNS provider within the correlation window it is Tier 2. The PDNS
    alert itself came first, with nothing to correlate yet: Tier 1.
    """
    c = "10.66.0.12"
    out = []
    for name in ("crt.sh", "api.securitytrails.com", "api.shodan.io"):
        out.append(Exchange(t, c, NS1, name, wire.A, answers=[wire.rr(None, wire.A, wire.rdata_a(
            site.fake_ipv4(name)))], delay=rng.uniform(0.005, 0.05)))
        t += rng.uniform(1, 3)
    t += 75
    for ns in (NS1, NS2):
        out.append(Exchange(t, c, ns, "version.bind", wire.TXT, wire.CH, rcode=wire.REFUSED, rd=False, ra=False,
                            delay=0.0004))
        t += 0.03
    return out, [alert(c, "PDNS", 1, "passive-DNS lookups, before any other detection of the host"),
                 alert(c, "RARE", 2, "CHAOS version.bind 75 s after the host's passive-DNS lookups")]


def distributed(rng, t, target="target-corp.com", hosts=60, per_host=100):
    """A distributed run: 60 compromised workstations each resolve 100 names of a target list in one minute.

    No host stands out (100 queries, all answered, distinct names < ENUM's 200,
    no sensitive labels), so only the site-wide volume shows it: ~6,000 queries
    on top of a background of some hundreds a minute, after more than five
    minutes of history (site-wide SPIKE, factor 4, at least 5,000). The whole
    run falls in one window: it starts 5 s after the window boundary that
    follows six minutes of background. The first host asks ten more names:
    the window's busiest client, the alert's source.
    """
    start = (int(t + 360) // 60 + 1) * 60 + 5
    out = []
    for h in range(hosts):
        c = "10.77.1.%d" % (h + 1)
        count = per_host + (10 if h == 0 else 0)
        for i in range(count):
            name = "host-%05d.%s" % (h * per_host + i, target)
            out.append(Exchange(start + rng.uniform(0, 40), c, NS1 if h % 2 else NS2, name, wire.A,
                                answers=[wire.rr(None, wire.A, wire.rdata_a(site.fake_ipv4(name)))],
                                delay=rng.uniform(0.002, 0.05)))
    out.sort(key=lambda e: e.t)
    return out, [alert("10.77.1.1", "SPIKE", 1, "site-wide: ~6,000 queries from 60 hosts in one window, "
                       "4x the site's baseline; the busiest host is named")]


BEHAVIOURS = {
    "passive": passive, "dnsrecon": dnsrecon, "massdns": massdns, "massdns_v6": massdns_v6,
    "axfr_refused": axfr_refused, "axfr_success": axfr_success, "ptr_sweep": ptr_sweep, "nsec_walk": nsec_walk,
    "version_bind": version_bind, "outsider": outsider, "pdns_then_probe": pdns_then_probe,
    "distributed": distributed,
}
# The demo's reconnaissance: every behaviour but massdns, whose thousands of packets would dwarf the rest.
DEMO = ["passive", "dnsrecon", "axfr_success", "ptr_sweep", "nsec_walk", "version_bind", "outsider"]


def run(name, seed, t):
    """A behaviour with its own random stream, so adding one never changes another."""
    return BEHAVIOURS[name](random.Random("%d/%s" % (seed, name)), t)
