"""One DNS exchange (query and the server's answer) and its rendering into frames."""
import struct

from . import wire


class Exchange:
    """A query at time t from client to server and, unless delay is None, its response.

    Over TCP (tcp=True) the exchange is a whole connection: handshake, the
    length-prefixed query, one segment per response message, and the close.
    response_messages overrides the single response (zone transfers).
    """
    __slots__ = ("t", "client", "server", "qname", "qtype", "qclass", "rcode", "answers", "authority",
                 "delay", "tcp", "rd", "ra", "aa", "edns", "do", "response_messages")

    def __init__(self, t, client, server, qname, qtype=wire.A, qclass=wire.IN, rcode=wire.NOERROR, answers=(),
                 authority=(), delay=0.001, tcp=False, rd=True, ra=True, aa=False, edns=False, do=False,
                 response_messages=None):
        self.t, self.client, self.server = t, client, server
        self.qname, self.qtype, self.qclass = qname, qtype, qclass
        self.rcode, self.answers, self.authority = rcode, answers, authority
        self.delay, self.tcp = delay, tcp
        self.rd, self.ra, self.aa, self.edns, self.do = rd, ra, aa, edns, do
        self.response_messages = response_messages


def is_internal(addr):
    packed = wire.ip_bytes(addr)
    return packed[0] == 10 if len(packed) == 4 else packed[0] == 0xFD


class Renderer:
    """Turns exchanges into (time, frame) pairs; ids, ports and IP ids come from rng."""

    def __init__(self, rng):
        self.rng = rng

    def render(self, ex):
        rng = self.rng
        msg_id = rng.getrandbits(16)
        cport = rng.randint(49152, 65535)
        c_int, s_int = is_internal(ex.client), is_internal(ex.server)
        c_ttl = 128 if c_int else 51
        s_ttl = 64 if s_int else 57
        additional = (wire.opt_rr(4096 if ex.do else 1232, ex.do),) if ex.edns else ()
        query = wire.dns_message(msg_id, ex.qname, ex.qtype, ex.qclass, rd=ex.rd, cd=ex.do, additional=additional)
        if ex.delay is None:
            responses = []
        elif ex.response_messages is not None:
            responses = [wire.dns_message(msg_id, ex.qname, ex.qtype, ex.qclass, response=True, aa=ex.aa, rd=ex.rd,
                                          ra=ex.ra, answers=msg) for msg in ex.response_messages]
        else:
            resp_additional = additional if ex.edns else ()
            responses = [wire.dns_message(msg_id, ex.qname, ex.qtype, ex.qclass, response=True, rcode=ex.rcode,
                                          rd=ex.rd, ra=ex.ra, aa=ex.aa, ad=ex.do and ex.rcode == wire.NOERROR,
                                          answers=ex.answers, authority=ex.authority,
                                          additional=resp_additional)]
        c_kw = dict(ttl=c_ttl, internal_src=c_int, internal_dst=s_int)
        s_kw = dict(ttl=s_ttl, internal_src=s_int, internal_dst=c_int)
        if not ex.tcp:
            out = [(ex.t, wire.udp_frame(ex.client, cport, ex.server, 53, query, ip_id=rng.getrandbits(16), **c_kw))]
            for msg in responses:
                out.append((ex.t + ex.delay, wire.udp_frame(ex.server, 53, ex.client, cport, msg,
                                                            ip_id=rng.getrandbits(16), **s_kw)))
            return out
        return self._tcp(ex, cport, query, responses, c_kw, s_kw)

    def _tcp(self, ex, cport, query, responses, c_kw, s_kw):
        rng = self.rng
        rtt = max(ex.delay or 0.002, 0.0002) / 2
        cseq, sseq = rng.getrandbits(32), rng.getrandbits(32)
        t = ex.t
        S, A, P, F = wire.TCP_SYN, wire.TCP_ACK, wire.TCP_PSH, wire.TCP_FIN
        c, s = ex.client, ex.server

        def cf(seq, ack, flags, payload=b""):
            return wire.tcp_frame(c, cport, s, 53, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, payload,
                                  ip_id=rng.getrandbits(16), **c_kw)

        def sf(seq, ack, flags, payload=b""):
            return wire.tcp_frame(s, 53, c, cport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, payload,
                                  ip_id=rng.getrandbits(16), **s_kw)

        out = [(t, cf(cseq, 0, S)), (t + rtt, sf(sseq, cseq + 1, S | A)), (t + 2 * rtt, cf(cseq + 1, sseq + 1, A))]
        cseq += 1
        sseq += 1
        t += 2 * rtt + 0.00005
        q = struct.pack("!H", len(query)) + query
        out.append((t, cf(cseq, sseq, P | A, q)))
        cseq += len(q)
        t += rtt + 0.0002
        for msg in responses:
            seg = struct.pack("!H", len(msg)) + msg
            out.append((t, sf(sseq, cseq, P | A, seg)))
            sseq += len(seg)
            t += 0.00003
        out.append((t + rtt, cf(cseq, sseq, A)))
        t += rtt + 0.0001
        out.append((t, cf(cseq, sseq, F | A)))
        out.append((t + rtt, sf(sseq, cseq + 1, F | A)))
        out.append((t + 2 * rtt, cf(cseq + 1, sseq + 1, A)))
        return out


class PcapWriter:
    """Classic libpcap file, microsecond timestamps, Ethernet link type."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.count = 0
        self._pack = struct.Struct("<IIII").pack

    def write(self, t, frame):
        usec = int(round(t * 1e6))
        self.f.write(self._pack(usec // 1000000, usec % 1000000, len(frame), len(frame)))
        self.f.write(frame)
        self.count += 1

    def close(self):
        self.f.close()
