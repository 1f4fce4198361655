"""Shared plumbing for recontapd's integration tests: a private temp folder,
shared-memory name and socket per test; starting recontapd, the fake data
plane and recontapctl; reading eve.json. Binaries come from the environment
meson sets (RECONTAPD, RECONTAPCTL, FAKE_DATAPLANE)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BASE_TS = 1796303438.0  # 2026-12-03T13:10:38Z


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def equal(actual, expected, what):
    if actual != expected:
        fail(f"{what}: expected {expected!r}, got {actual!r}")


class Env:
    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix=f"recontap-{name}-")
        self.shm = f"/recontap-it-{name}-{os.getpid()}"
        self.socket = os.path.join(self.dir, "run", "recontapd.sock")
        self.logdir = os.path.join(self.dir, "log")
        self.eve = os.path.join(self.logdir, "eve.json")
        self.procs = []
        self.recontapd = os.environ["RECONTAPD"]
        self.recontapctl = os.environ["RECONTAPCTL"]
        self.fake = os.environ["FAKE_DATAPLANE"]
        self.daemon_logs = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        try:
            os.unlink("/dev/shm" + self.shm)
        except FileNotFoundError:
            pass
        if exc[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"kept {self.dir} for inspection", file=sys.stderr)
        return False

    # --- recontapd -------------------------------------------------------
    def start_daemon(self, *extra, wait=True):
        self.daemon_logs += 1
        log = open(os.path.join(self.dir, f"recontapd-{self.daemon_logs}.log"), "w")
        p = subprocess.Popen([self.recontapd, "-l", self.logdir, "--shm", self.shm, "--socket", self.socket,
                              *extra], stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        if wait:
            self.wait_for(lambda: self.try_request({"cmd": "status"}) is not None, "recontapd's socket")
        return p

    def daemon_log(self, n=None):
        with open(os.path.join(self.dir, f"recontapd-{n or self.daemon_logs}.log")) as f:
            return f.read()

    # --- fake data plane -------------------------------------------------
    def start_fake(self, script, *extra):
        path = os.path.join(self.dir, f"script-{len(self.procs)}.json")
        with open(path, "w") as f:
            json.dump(script, f)
        p = subprocess.Popen([self.fake, "--shm", self.shm, "--script", path, *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def wait_shm(self):
        self.wait_for(lambda: os.path.exists("/dev/shm" + self.shm), "the fake data plane's region")

    # --- control socket --------------------------------------------------
    def raw_request(self, data, timeout=5.0):
        """Sends bytes, returns the first reply line (str), or None at EOF."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.socket)
            s.sendall(data)
            reply = b""
            while b"\n" not in reply:
                chunk = s.recv(65536)
                if not chunk:
                    return None
                reply += chunk
            return reply.split(b"\n", 1)[0].decode()

    def request(self, obj):
        return json.loads(self.raw_request((json.dumps(obj) + "\n").encode()))

    def try_request(self, obj):
        try:
            return self.request(obj)
        except (OSError, ValueError):
            return None

    def ctl(self, *args, socket_path=None):
        return subprocess.run([self.recontapctl, "-s", socket_path or self.socket, *args],
                              capture_output=True, text=True, timeout=30)

    def ctl_json(self, *args):
        r = self.ctl(*args, "--json")
        equal(r.returncode, 0, f"recontapctl {' '.join(args)} --json exit status (stderr: {r.stderr})")
        return json.loads(r.stdout)

    # --- results ---------------------------------------------------------
    def eve_lines(self):
        if not os.path.exists(self.eve):
            return []
        with open(self.eve, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    @staticmethod
    def wait_for(pred, what, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.05)
        fail(f"timed out waiting for {what}")

    @staticmethod
    def finish(proc, what, timeout=30.0):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            fail(f"{what} did not finish in {timeout} s; stdout={out!r} stderr={err!r}")
        return proc.returncode, out, err

    @staticmethod
    def stop(proc, sig=signal.SIGTERM):
        proc.send_signal(sig)
        return proc.wait(timeout=20)


def rec(detector, client, t, **fields):
    """One scripted detection record, t seconds after BASE_TS."""
    r = {"detector": detector, "client": client, "server": fields.pop("server", "10.0.0.53"), "ts": BASE_TS + t}
    if "name_hex" not in fields:
        r["name"] = fields.pop("name", "www.example.com")
    r.update(fields)
    return r


def alerts_by(lines):
    """(src_ip, detector, tier) per line, in file order."""
    return [(a["src_ip"], a["alert"]["metadata"]["detector"][0], a["alert"]["metadata"]["tier"][0]) for a in lines]
