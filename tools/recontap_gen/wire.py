"""DNS messages and Ethernet/IP/UDP/TCP frames as raw bytes.

Built with struct rather than scapy objects: the generator writes hundreds of
thousands of packets per run and scapy builds a few thousand per second.
"""
import ipaddress
import socket
import struct
import sys
from array import array

# Query types and classes the generator uses (RFC 1035, 3596, 4034, 9460, 5936).
A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV = 1, 2, 5, 6, 12, 15, 16, 28, 33
OPT, DS, RRSIG, NSEC, DNSKEY, NSEC3, HTTPS, SPF = 41, 43, 46, 47, 48, 50, 65, 99
IXFR, AXFR, ANY = 251, 252, 255
IN, CH = 1, 3
NOERROR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 2, 3, 4, 5

_LITTLE = sys.byteorder == "little"


def checksum(data):
    """Internet checksum (RFC 1071) of bytes; summed natively, swapped once."""
    if len(data) & 1:
        data += b"\0"
    total = sum(array("H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    total = ~total & 0xFFFF
    return ((total >> 8) | ((total & 0xFF) << 8)) if _LITTLE else total


def name_labels(name):
    """'a.b.' -> [b'a', b'b']; '\\000' style escapes give raw octets (zone walking)."""
    labels, cur, i = [], bytearray(), 0
    text = name.rstrip(".") if name not in (".", "") else ""
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text[i + 1:i + 4].isdigit():
            cur.append(int(text[i + 1:i + 4]))
            i += 4
            continue
        if ch == ".":
            labels.append(bytes(cur))
            cur = bytearray()
        else:
            cur += ch.encode("ascii")
        i += 1
    if text:
        labels.append(bytes(cur))
    return labels


_name_cache = {}


def encode_name(name):
    wire = _name_cache.get(name)
    if wire is None:
        labels = name_labels(name) if "\\" in name else [l.encode("ascii") for l in name.rstrip(".").split(".") if l]
        wire = b"".join(bytes((len(l),)) + l for l in labels) + b"\0"
        if len(_name_cache) < 500000:
            _name_cache[name] = wire
    return wire


# ---- resource record data -------------------------------------------------

def rdata_a(addr):
    return ipaddress.IPv4Address(addr).packed


def rdata_aaaa(addr):
    return ipaddress.IPv6Address(addr).packed


def rdata_name(name):  # NS, CNAME, PTR
    return encode_name(name)


def rdata_mx(pref, name):
    return struct.pack("!H", pref) + encode_name(name)


def rdata_soa(mname, rname, serial):
    return encode_name(mname) + encode_name(rname) + struct.pack("!IIIII", serial, 3600, 900, 1209600, 300)


def rdata_txt(*strings):
    out = b""
    for s in strings:
        b = s.encode()
        out += bytes((len(b),)) + b
    return out


def rdata_srv(prio, weight, port, target):
    return struct.pack("!HHH", prio, weight, port) + encode_name(target)


def rdata_https(alpn=("h2", "h3")):
    """SvcPriority 1, TargetName '.', alpn parameter (RFC 9460)."""
    alpn_bytes = b"".join(bytes((len(a),)) + a.encode() for a in alpn)
    return struct.pack("!H", 1) + b"\0" + struct.pack("!HH", 1, len(alpn_bytes)) + alpn_bytes


def rdata_nsec(next_name, types):
    """NSEC with a type bitmap for window 0 only (types < 256)."""
    bitmap = bytearray(32)
    for t in types:
        bitmap[t // 8] |= 0x80 >> (t % 8)
    length = max(i for i, b in enumerate(bitmap) if b) + 1
    return encode_name(next_name) + bytes((0, length)) + bytes(bitmap[:length])


def rdata_dnskey(flags, key):
    return struct.pack("!HBB", flags, 3, 13) + key


def rr(name, rtype, rdata, ttl=300, rclass=IN):
    """A resource record; name None means 'the question name' (compressed pointer)."""
    owner = b"\xc0\x0c" if name is None else encode_name(name)
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def opt_rr(udp_size=1232, do=False):
    return b"\0" + struct.pack("!HHIH", OPT, udp_size, 0x8000 if do else 0, 0)


def dns_message(msg_id, qname, qtype, qclass=IN, response=False, rcode=NOERROR, rd=True, ra=True,
                aa=False, ad=False, cd=False, answers=(), authority=(), additional=()):
    flags = (0x8000 if response else 0) | (0x0400 if aa else 0) | (0x0100 if rd else 0)
    if response:
        flags |= (0x0080 if ra else 0) | rcode
    flags |= (0x0020 if ad else 0) | (0x0010 if cd else 0)
    header = struct.pack("!HHHHHH", msg_id, flags, 1, len(answers), len(authority), len(additional))
    return b"".join((header, encode_name(qname), struct.pack("!HH", qtype, qclass), *answers, *authority,
                     *additional))


# ---- frames ---------------------------------------------------------------

_ip_cache = {}


def ip_bytes(addr):
    packed = _ip_cache.get(addr)
    if packed is None:
        packed = socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)
        if len(_ip_cache) < 1000000:
            _ip_cache[addr] = packed
    return packed


def mac_of(packed_ip):
    """Locally administered MAC derived from an address: stable per host."""
    tail = packed_ip[-4:]
    return b"\x02\x00" + tail


ROUTER_MAC = b"\x02\x00\x0a\x00\x00\x01"


def _l2(src_ip, dst_ip, ethertype, internal_src, internal_dst):
    src_mac = mac_of(src_ip) if internal_src else ROUTER_MAC
    dst_mac = mac_of(dst_ip) if internal_dst else ROUTER_MAC
    return dst_mac + src_mac + struct.pack("!H", ethertype)


def ip_frame(src, dst, proto, l4, ttl=64, ip_id=0, internal_src=True, internal_dst=True, l4_csum_offset=None):
    """Ethernet + IPv4/IPv6 + an L4 payload whose checksum field sits at l4_csum_offset."""
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) == 4:
        pseudo = s + d + struct.pack("!BBH", 0, proto, len(l4))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(l4), proto)
    if l4_csum_offset is not None:
        c = checksum(pseudo + l4)
        if c == 0 and proto == 17:
            c = 0xFFFF
        l4 = l4[:l4_csum_offset] + struct.pack("!H", c) + l4[l4_csum_offset + 2:]
    if len(s) == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ip_id, 0x4000, ttl, proto, 0, s, d)
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
        return _l2(s, d, 0x0800, internal_src, internal_dst) + hdr + l4
    hdr = struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, ttl, s, d)
    return _l2(s, d, 0x86DD, internal_src, internal_dst) + hdr + l4


def udp_frame(src, sport, dst, dport, payload, **kw):
    l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return ip_frame(src, dst, 17, l4, l4_csum_offset=6, **kw)


TCP_FIN, TCP_SYN, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x08, 0x10


def tcp_frame(src, sport, dst, dport, seq, ack, flags, payload=b"", **kw):
    options = struct.pack("!BBH", 2, 4, 1460) if flags & TCP_SYN else b""
    offset = (20 + len(options)) // 4
    l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, 64240, 0, 0) + options + payload
    return ip_frame(src, dst, 6, l4, l4_csum_offset=16, **kw)
