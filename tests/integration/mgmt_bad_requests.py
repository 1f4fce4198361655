#!/usr/bin/python3
"""Bad control requests get {"ok":false,"error":...} and are counted; an
oversized line closes that connection; silent or half-sent clients do not
hold up alert delivery; the socket is mode 0660."""
import os
import socket
import stat

from mgmt_harness import Env, check, equal, rec

with Env("bad-requests") as env:
    daemon = env.start_daemon()
    equal(stat.S_IMODE(os.stat(env.socket).st_mode), 0o660, "socket mode")

    cases = [
        (b"hello\n", "request is not valid JSON"),
        (b"[1,2]\n", 'request must be a JSON object with a string "cmd"'),
        (b'{"cmd":42}\n', 'request must be a JSON object with a string "cmd"'),
        (b'{"cmd":"reboot"}\n', "unknown cmd 'reboot' (status, stats, detections, top)"),
        (b'{"cmd":"top","limit":-3}\n', '"limit" must be a non-negative integer'),
        (b'{"cmd":"detections","limit":"all"}\n', '"limit" must be a non-negative integer'),
        (b"\xff\xfe\n", "request is not valid JSON"),
    ]
    for data, error in cases:
        reply = env.raw_request(data)
        check(reply is not None, f"a reply to {data!r}")
        equal(__import__("json").loads(reply), {"ok": False, "error": error}, f"reply to {data!r}")

    # Silent client, and one stuck mid-line, stay connected while others are served.
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(env.socket)
    partial = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    partial.connect(env.socket)
    partial.sendall(b'{"cmd":"sta')
    rc, out, err = env.finish(env.start_fake({"workers": 1, "records": [rec("NXD", "10.0.4.1", 0)]}), "fake")
    equal((rc, out.strip()), (0, "acked 1"), f"delivery with hung clients connected (stderr: {err})")
    partial.sendall(b'tus"}\n')
    reply = partial.makefile().readline()
    equal(__import__("json").loads(reply)["ok"], True, "the half-sent request completes")

    # Oversized line: error, then the daemon closes the connection.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(env.socket)
        try:
            s.sendall(b"x" * 70000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    equal(data, b'{"error":"request line longer than 65536 bytes","ok":false}\n', "oversized request reply")

    counters = env.request({"cmd": "stats"})["daemon"]["socket"]
    equal((counters["bad_requests"], counters["oversized_requests"]), (len(cases) + 1, 1), "counted errors")
    check(daemon.poll() is None, "daemon alive")
    silent.close()
    partial.close()
print("ok")
