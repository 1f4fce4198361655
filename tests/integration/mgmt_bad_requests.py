#!/usr/bin/python3
"""Bad control requests get {"ok":false,"error":...} and are counted; an
oversized line gets its error (the rest of it read and dropped, so a blocking
sendall completes) and the connection ends; silent or half-sent clients do not
hold up alert delivery; the socket is mode 0660."""
import json
import os
import socket
import stat
import subprocess

from mgmt_harness import Env, check, equal, rec

with Env("bad-requests") as env:
    daemon = env.start_daemon()
    equal(stat.S_IMODE(os.stat(env.socket).st_mode), 0o660, "socket mode")

    cases = [
        (b"hello\n", "request is not valid JSON"),
        (b"[1,2]\n", 'request must be a JSON object with a string "cmd"'),
        (b'{"cmd":42}\n', 'request must be a JSON object with a string "cmd"'),
        (b'{"cmd":"reboot"}\n', "unknown cmd 'reboot' (status, stats, detections, top, watchlist, blocklist, "
                                "rules-test, rules-reload, thresholds, thresholds-set)"),
        (b'{"cmd":"top","limit":-3}\n', '"limit" must be a non-negative integer'),
        (b'{"cmd":"detections","limit":"all"}\n', '"limit" must be a non-negative integer'),
        (b"\xff\xfe\n", "request is not valid JSON"),
        # Fields of the wrong type, and a NUL that inet_pton would have stopped at.
        (b'{"cmd":"watchlist","op":5}\n', 'watchlist: "op" must be a string (list, add, remove)'),
        (b'{"cmd":"watchlist","op":null}\n', 'watchlist: "op" must be a string (list, add, remove)'),
        (b'{"cmd":"watchlist","op":"add","net":"10.0.0.1\\u0000junk"}\n',
         'watchlist add: "10.0.0.1\x00junk" is not an IPv4 or IPv6 address (expected ADDRESS or ADDRESS/PREFIX)'),
    ]
    for data, error in cases:
        reply = env.raw_request(data)
        check(reply is not None, f"a reply to {data!r}")
        equal(json.loads(reply), {"ok": False, "error": error}, f"reply to {data!r}")

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
    equal(json.loads(reply)["ok"], True, "the half-sent request completes")

    # Oversized line: error, then the daemon closes the connection.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(env.socket)
        s.sendall(b"x" * 300000)  # taken whole (the rest dropped) so the writer can read its error
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    equal(data, b'{"error":"request line longer than 65536 bytes","ok":false}\n', "oversized request reply")

    # SO_PEERCRED: with the file mode opened up, a stranger's uid is still
    # refused; a member of the socket's group is served. Needs root to switch uid.
    refused = 0
    if os.geteuid() == 0 and os.path.exists("/usr/bin/setpriv"):
        for path in (env.dir, os.path.dirname(env.socket)):
            os.chmod(path, 0o755)
        os.chmod(env.socket, 0o666)
        ask = os.path.join(env.dir, "ask.py")
        with open(ask, "w") as f:  # the refusal may arrive, and the socket close, before we send
            f.write("import socket, sys\n"
                    "s = socket.socket(socket.AF_UNIX)\n"
                    "s.connect(sys.argv[1])\n"
                    "try:\n    s.sendall(b'{\"cmd\":\"status\"}\\n')\nexcept OSError:\n    pass\n"
                    "print(s.makefile().readline().strip())\n")
        group = os.stat(env.socket).st_gid
        for gid, ok in ((65534, False), (group, True)):
            r = subprocess.run(["/usr/bin/setpriv", "--reuid=65534", f"--regid={gid}", "--clear-groups",
                                "/usr/bin/python3", ask, env.socket], capture_output=True, text=True,
                               timeout=20)
            reply = json.loads(r.stdout)
            equal(reply["ok"], ok, f"uid 65534 gid {gid} (stderr: {r.stderr})")
            if not ok:
                equal(reply["error"], "permission denied: not root, not the daemon's user or group", "refusal")
        refused = 1
    else:
        print("note: peer-credential check not exercised (needs root and setpriv)")

    counters = env.request({"cmd": "stats"})["daemon"]["socket"]
    equal((counters["bad_requests"], counters["oversized_requests"]), (len(cases) + 1, 1), "counted errors")
    equal(counters["peers_refused"], refused, "refused peers")
    check(daemon.poll() is None, "daemon alive")
    silent.close()
    partial.close()
print("ok")
