"""The site model every capture assumes, and the name lists behaviours draw from."""
import hashlib

ZONE = "corp.example"
INTERNAL_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
DNS_SERVERS = ["10.0.0.53", "10.0.0.54"]
DNS_SERVER_V6 = "fd00::53"
NAME_SERVERS = {"ns1.corp.example": "10.0.0.53", "ns2.corp.example": "10.0.0.54"}
PUBLIC_RESOLVERS = [
    "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222",
    "208.67.220.220", "64.6.64.6", "64.6.65.6", "8.26.56.26", "8.20.247.20", "185.228.168.9",
    "185.228.169.9", "76.76.19.19", "76.223.122.150", "94.140.14.14", "94.140.15.15", "76.76.2.0",
    "76.76.10.0", "77.88.8.8", "77.88.8.1", "156.154.70.1", "156.154.71.1", "209.244.0.3", "209.244.0.4",
    "4.2.2.1", "4.2.2.2", "4.2.2.3", "4.2.2.4", "4.2.2.5", "4.2.2.6", "195.46.39.39", "195.46.39.40",
    "84.200.69.80", "84.200.70.40", "91.239.100.100", "89.233.43.71", "80.80.80.80", "80.80.81.81",
    "74.82.42.42", "109.69.8.51", "216.146.35.35", "216.146.36.36", "37.235.1.174", "37.235.1.177",
    "45.90.28.0", "45.90.30.0", "198.101.242.72", "23.253.163.53",
]

PUBLIC_RESOLVERS_V6 = [
    "2001:4860:4860::8888", "2001:4860:4860::8844", "2606:4700:4700::1111", "2606:4700:4700::1001",
    "2620:fe::fe", "2620:fe::9", "2620:119:35::35", "2620:119:53::53", "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff",
]


def site_model():
    return {"internal_networks": INTERNAL_NETWORKS, "internal_zones": [ZONE],
            "dns_servers": DNS_SERVERS + [DNS_SERVER_V6], "external_resolvers": PUBLIC_RESOLVERS[:4]}


def config_toml():
    """The [site] table matching site_model(), for scenario config files."""
    quote = lambda xs: "[" + ", ".join('"%s"' % x for x in xs) + "]"
    return ("[site]\ninternal_networks = %s\ninternal_zones = %s\ndns_servers = %s\n"
            % (quote(INTERNAL_NETWORKS), quote([ZONE]), quote(DNS_SERVERS + [DNS_SERVER_V6])))


def stable_hash(text):
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def fake_ipv4(name, first_octets=(93, 184, 104, 151, 185, 172, 34, 52, 104, 142)):
    """A public-looking address that always answers the same name."""
    h = stable_hash(name)
    return "%d.%d.%d.%d" % (first_octets[h % len(first_octets)], (h >> 8) & 255, (h >> 16) & 255,
                            1 + (h >> 24) % 254)


def fake_ipv6(name):
    h = stable_hash(name)
    return "2001:db8:%x:%x::%x" % ((h >> 8) & 0xFFFF, (h >> 24) & 0xFFFF, 1 + (h >> 40) % 0xFFFE)


# RECON_REFERENCE.md section 1: what an analyst's box resolves while mining passive DNS.
PDNS_PROVIDERS = [
    "api.securitytrails.com", "crt.sh", "api.shodan.io", "api.certspotter.com", "www.virustotal.com",
    "otx.alienvault.com", "api.hackertarget.com", "dnsdumpster.com", "api.dnsdb.info", "search.censys.io",
    "rapiddns.io", "web.archive.org",
]

# Labels rules/sensitive-labels.rules names (remote access, admin, dev/staging, databases,
# backup, directory, build): what the bench profile uses for its sensitive rule hits.
RULE_SENSITIVE_LABELS = [
    "vpn", "sslvpn", "webvpn", "rdp", "ssh", "sftp", "jump", "bastion", "admin", "nagios", "intranet", "extranet",
    "internal", "dev", "staging", "preprod", "uat", "mysql", "sql", "db", "backup", "ldap", "dc", "svn", "git",
    "gitlab", "jenkins",
]

# RECON_REFERENCE.md section 2: labels brute-force tools try that name sensitive services
# (more than the rules flag: sso, owa, jira ... are in every word list too).
SENSITIVE_LABELS = [
    "admin", "adfs", "backup", "bastion", "ci", "citrix", "confluence", "dc", "db", "dev", "exchange", "extranet",
    "git", "gitlab", "helpdesk", "internal", "intranet", "jenkins", "jira", "jump", "ldap", "mysql", "nagios",
    "owa", "portal", "preprod", "rdp", "remote", "secure", "sftp", "sharepoint", "sql", "ssh", "sslvpn", "sso",
    "stage", "staging", "svn", "uat", "vpn", "webvpn",
]

# Ordinary words of a brute-force list (dnsrecon/fierce style); the sensitive ones are added.
_COMMON = """
about academy access account accounts ads affiliate agent ai alpha alerts analytics android apache app
apps archive assets atlas audio auth autoconfig autodiscover b2b beta billing blog blue board books
box bridge build business cache calendar campus careers cdn chat classic client clients cloud cluster
cms code community connect console contact content corp crm cs css customer dashboard data demo
deploy design desk direct directory dns docs domain download downloads edge email en enterprise
events export feedback files finance firewall forum forums ftp gallery game games gateway geo global
go graphql green group guest help home host hosting hr hub id images imap img info investor io ir
lab labs lb legal link lists live local login lync lyncdiscover m mail mail2 manage manager maps
marketing media meet member members mobile monitor mx my net network new news newsletter node ns ns1
ns2 ns3 office old online ops order orders origin partner partners pay payment photos pop pop3
pre press preview print prod production promo proxy public qa radio red register relay reports
research resources rest review rss s3 sales sandbox search server service services shop signup
sip site smtp social software solutions space sso2 start static stats status storage store stream
streaming student support survey sync test test1 test2 tools track training travel tv update
upload us user users v1 v2 video vip voice web webmail webinar welcome wiki win wp ws www www1 www2
""".split()


def brute_force_words(count):
    """An alphabetical brute-force list of `count` labels that includes every sensitive label."""
    words = set(_COMMON) | set(SENSITIVE_LABELS)
    n = 1
    while len(words) < count:  # pad the way real lists do: numbered variants of common words
        for w in _COMMON:
            if len(words) >= count:
                break
            words.add(w + str(n))
        n += 1
    if len(words) > count:
        others = sorted(words - set(SENSITIVE_LABELS))
        words = set(SENSITIVE_LABELS) | set(others[:max(0, count - len(SENSITIVE_LABELS))])
    return sorted(words)


# Hosts that exist in corp.example (answered NOERROR): the rest of a brute force gets NXDOMAIN.
CORP_HOSTS = ["www", "mail", "vpn", "intranet", "portal", "owa", "autodiscover", "dc", "dc1", "dc2", "ldap",
              "jira", "confluence", "git", "jenkins", "sso", "adfs", "helpdesk", "print", "fs01", "fs02", "wiki",
              "remote", "citrix", "ns1", "ns2", "smtp", "proxy", "backup"]
