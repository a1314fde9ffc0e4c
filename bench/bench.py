#!/usr/bin/env python3
"""bench.py -- `make bench`: httpd-lite against its peers, on loopback.

Every figure is measured in the same run as the peers it is compared
with, because this machine is shared and noisy: each cell is the median
of interleaved rounds (round 1: every scenario on every server, then
round 2, ...), and is also shown as a ratio to nginx with one worker.

Steps:
  1. find (or, as root, apt-get install) wrk, nginx-light, lighttpd,
     mini-httpd, busybox, iperf3 and strace;
  2. generate the fixtures in bench/fixtures/ (never committed): a 1 KiB
     file, a 100 MiB file and a directory of 1,000 entries;
  3. start every server by hand on its own loopback port, with its pid
     and log files in a temporary directory (never a system service);
  4. check that every server returns the same bytes (sha256) for every
     file, and a complete listing for the directory; a server that fails
     is left out of that cell, so nobody is counted for fast 404s;
  5. count the system calls a keep-alive child makes per request
     (strace -c -f attached to the process serving one connection);
  6. run the scenarios and the two ceilings (bare fork rate, loopback
     TCP with iperf3) in rounds, sampling memory under (a) and (e) loads;
  7. print the table and write it to bench/results.md, with the issue's
     targets marked met or missed for httpd-lite.

Python standard library only. Every server started here is stopped by
its pid (and its process group) at the end, on Ctrl-C and on any error.
Options narrow a run for profiling work, e.g.
    python3 bench/bench.py --servers httpd-lite,nginx --scenarios a,b
(a narrowed run writes bench/out/results.md, not bench/results.md).
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import pwd
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(HERE, "fixtures")
OUT_DIR = os.path.join(HERE, "out")
HOST = "127.0.0.1"

SMALL = "small.bin"          # 1 KiB
BIG = "big.bin"              # 100 MiB
LISTDIR = "list"             # 1,000 entries
SMALL_SIZE = 1024
BIG_SIZE = 100 * 1024 * 1024
LIST_ENTRIES = 1000

# Debian package for each command the benchmark runs.
PACKAGES = {
    "wrk": "wrk",
    "nginx": "nginx-light",
    "lighttpd": "lighttpd",
    "mini_httpd": "mini-httpd",
    "busybox": "busybox",
    "iperf3": "iperf3",
    "strace": "strace",
}

# Ports 7500-7599 are this benchmark's; one per server.
PORT_BASE = 7500
SERVER_PORTS = {
    "httpd-lite": PORT_BASE + 1,
    "nginx": PORT_BASE + 2,
    "lighttpd": PORT_BASE + 3,
    "mini_httpd": PORT_BASE + 4,
    "busybox": PORT_BASE + 5,
    "python": PORT_BASE + 6,
}
IPERF_PORTS = (PORT_BASE + 10, PORT_BASE + 11)
SERVER_ORDER = list(SERVER_PORTS)
SERVER_TITLES = {
    "httpd-lite": "httpd-lite",
    "nginx": "nginx (1 worker)",
    "lighttpd": "lighttpd",
    "mini_httpd": "mini_httpd",
    "busybox": "busybox httpd",
    "python": "python3 http.server",
}
REFERENCE = "nginx"

WRK_THREADS = 2  # one per core of this 2-core machine


class Scenario:
    def __init__(self, key, title, kind, path, conns, unit, close=False, memory=False,
                 latency=False, fixture=None, extra_seconds=0):
        self.key, self.title, self.kind, self.path = key, title, kind, path
        self.conns, self.unit, self.close = conns, unit, close
        self.memory, self.latency = memory, latency
        self.fixture = fixture  # which check a server must pass for this cell
        # wrk counts from its start: opening 1,000 connections (1,000 forks
        # for some servers) takes a good part of a short run.
        self.extra_seconds = extra_seconds


SCENARIOS = [
    Scenario("a", "(a) 1 KiB, keep-alive, 50 conns", "wrk", "/" + SMALL, 50, "req/s",
             memory=True, latency=True, fixture=SMALL),
    Scenario("b", "(b) 1 KiB, Connection: close, 50 conns", "wrk", "/" + SMALL, 50, "req/s",
             close=True, fixture=SMALL),
    Scenario("c", "(c) 100 MiB, 4 conns, 1 MiB reads", "bigread", "/" + BIG, 4, "MB/s",
             fixture=BIG),
    Scenario("c-wrk", "(c) 100 MiB, 4 conns, wrk (8 KiB reads)", "wrk-bytes", "/" + BIG, 4,
             "MB/s", fixture=BIG),
    Scenario("d", "(d) 1,000-entry listing, keep-alive, 50 conns", "wrk", "/" + LISTDIR + "/",
             50, "req/s", fixture=LISTDIR),
    Scenario("e10", "(e) 1 KiB, keep-alive, 10 conns", "wrk", "/" + SMALL, 10, "req/s",
             memory=True, latency=True, fixture=SMALL),
    Scenario("e100", "(e) 1 KiB, keep-alive, 100 conns", "wrk", "/" + SMALL, 100, "req/s",
             memory=True, latency=True, fixture=SMALL),
    Scenario("e1000", "(e) 1 KiB, keep-alive, 1,000 conns", "wrk", "/" + SMALL, 1000, "req/s",
             memory=True, latency=True, fixture=SMALL, extra_seconds=1),
]
SCENARIO_GROUPS = {"a": ["a"], "b": ["b"], "c": ["c", "c-wrk"], "d": ["d"],
                   "e": ["e10", "e100", "e1000"]}


T0 = time.monotonic()


def log(msg):
    print("[%5.1fs] %s" % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


# ---- processes: every one we start is recorded and stopped ----------------

class Procs:
    """Servers started by hand; stopped by pid and process group."""

    def __init__(self):
        self.started = []  # (name, Popen)

    def start(self, name, argv, logfile, cwd=None):
        f = open(logfile, "ab")
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f, cwd=cwd,
                                 start_new_session=True)
        finally:
            f.close()
        self.started.append((name, p))
        return p

    def stop_all(self):
        for name, p in reversed(self.started):
            stop_process(p)
        self.started = []


def stop_process(p):
    """SIGTERM the leader, give it 5 s, then SIGKILL whatever is left of
    its process group (its own session: forked children included)."""
    if p.poll() is None:
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def on_fatal_signal(sig, frame):
    raise KeyboardInterrupt("signal %d" % sig)


# ---- dependencies ------------------------------------------------------------

def find_cmd(cmd):
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(cmd, path=path)


def ensure_tools():
    missing = [c for c in PACKAGES if not find_cmd(c)]
    if missing and os.geteuid() == 0:
        pkgs = sorted({PACKAGES[c] for c in missing})
        log("bench: installing %s" % " ".join(pkgs))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=600,
                           stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-qq"] + pkgs, env=env, check=False,
                           timeout=900, stdout=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            log("bench: apt-get failed: %s" % e)
        missing = [c for c in PACKAGES if not find_cmd(c)]
    if missing:
        log("bench: missing Debian packages: %s (install them as root: apt-get install %s);"
            " going on without them" % (" ".join(PACKAGES[c] for c in missing),
                                        " ".join(PACKAGES[c] for c in missing)))
    if not find_cmd("wrk"):
        sys.exit("bench: wrk is required (Debian package wrk)")
    return {c: find_cmd(c) for c in PACKAGES if find_cmd(c)}


def raise_fd_limit():
    want = 65536
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limits in ((max(want, hard), max(want, hard)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---- fixtures ----------------------------------------------------------------

def write_random(path, size):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def list_names():
    return ["entry-%04d.txt" % i for i in range(LIST_ENTRIES)]


def make_fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    os.chmod(FIXTURES, 0o755)
    for name, size in ((SMALL, SMALL_SIZE), (BIG, BIG_SIZE)):
        p = os.path.join(FIXTURES, name)
        if not os.path.isfile(p) or os.path.getsize(p) != size:
            log("bench: generating %s (%d bytes)" % (p, size))
            write_random(p, size)
    d = os.path.join(FIXTURES, LISTDIR)
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    want = set(list_names())
    for extra in set(os.listdir(d)) - want:
        os.unlink(os.path.join(d, extra))
    for i, name in enumerate(sorted(want)):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            with open(p, "w") as f:
                f.write("entry %d\n" % i)
            os.chmod(p, 0o644)
    digests = {}
    for name in (SMALL, BIG):
        h = hashlib.sha256()
        with open(os.path.join(FIXTURES, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digests[name] = h.hexdigest()
    return digests


# ---- servers -------------------------------------------------------------------

def fill_template(src, dst, values):
    with open(src) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    with open(dst, "w") as f:
        f.write(text)


def server_argv(name, tools, run_dir, httpd_lite):
    port = str(SERVER_PORTS[name])
    values = {"PORT": port, "ROOT": FIXTURES, "RUN": run_dir}
    if name == "httpd-lite":
        # Every benchmark client comes from one loopback address: no
        # --max-per-ip cap, as for the peers.
        return [httpd_lite, "-q", "-b", HOST, "-p", port, "-d", FIXTURES, "--max-per-ip", "0"]
    if name == "nginx":
        conf = os.path.join(run_dir, "nginx.conf")
        fill_template(os.path.join(HERE, "nginx.conf"), conf, values)
        if os.geteuid() == 0:
            # Workers would run as nobody, who may not reach the fixtures.
            with open(conf) as f:
                text = f.read()
            with open(conf, "w") as f:
                f.write("user root;\n" + text)
        return [tools["nginx"], "-c", conf, "-p", run_dir + "/"]
    if name == "lighttpd":
        conf = os.path.join(run_dir, "lighttpd.conf")
        fill_template(os.path.join(HERE, "lighttpd.conf"), conf, values)
        return [tools["lighttpd"], "-D", "-f", conf]
    if name == "mini_httpd":
        user = pwd.getpwuid(os.geteuid()).pw_name
        return [tools["mini_httpd"], "-D", "-h", HOST, "-p", port, "-d", FIXTURES, "-u", user,
                "-i", os.path.join(run_dir, "mini_httpd.pid")]
    if name == "busybox":
        conf = os.path.join(run_dir, "busybox-httpd.conf")
        open(conf, "w").close()  # not /etc/httpd.conf
        return [tools["busybox"], "httpd", "-f", "-p", "%s:%s" % (HOST, port), "-h", FIXTURES,
                "-c", conf]
    if name == "python":
        return [sys.executable, "-m", "http.server", "--bind", HOST, "--directory", FIXTURES,
                port]
    raise ValueError(name)


SERVER_TOOL = {"nginx": "nginx", "lighttpd": "lighttpd", "mini_httpd": "mini_httpd",
               "busybox": "busybox"}


def port_open(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_servers(names, tools, procs, run_dir, httpd_lite):
    running = {}
    for name in names:
        port = SERVER_PORTS[name]
        if name in SERVER_TOOL and SERVER_TOOL[name] not in tools:
            log("bench: %s not installed: left out" % name)
            continue
        if port_open(port):
            log("bench: port %d is already in use: %s left out" % (port, name))
            continue
        argv = server_argv(name, tools, run_dir, httpd_lite)
        p = procs.start(name, argv, os.path.join(run_dir, name + ".log"), cwd=run_dir)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and p.poll() is None and not port_open(port):
            time.sleep(0.05)
        if p.poll() is not None or not port_open(port):
            log("bench: %s did not start (see %s.log):\n%s" % (
                name, name, tail(os.path.join(run_dir, name + ".log"))))
            stop_process(p)
            continue
        running[name] = p
    return running


def start_iperf_servers(tools, procs, run_dir):
    for port in IPERF_PORTS:
        if port_open(port):
            log("bench: port %d is already in use: no loopback ceiling" % port)
            return False
        p = procs.start("iperf3", [tools["iperf3"], "-s", "-B", HOST, "-p", str(port)],
                        os.path.join(run_dir, "iperf3-%d.log" % port))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and p.poll() is None and not port_open(port):
            time.sleep(0.05)
        if p.poll() is not None:
            return False
    return True


def tail(path, lines=5):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# ---- /proc: children, memory ------------------------------------------------------

def children_of(pid):
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


def proc_kib(path, field):
    total = None
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field + ":"):
                    total = (total or 0) + int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return total


def sample_memory(pid):
    kids = children_of(pid)
    dirty = [d for d in (proc_kib("/proc/%d/smaps_rollup" % k, "Private_Dirty") for k in kids)
             if d is not None]
    return {
        "parent_rss_kib": proc_kib("/proc/%d/status" % pid, "VmRSS"),
        "parent_private_dirty_kib": proc_kib("/proc/%d/smaps_rollup" % pid, "Private_Dirty"),
        "children": len(kids),
        "child_private_dirty_max_kib": max(dirty) if dirty else None,
        "child_private_dirty_median_kib": statistics.median(dirty) if dirty else None,
    }


def settle(pid, baseline, limit=8.0):
    """Wait (bounded) until the last run's per-connection children are
    gone, so they do not eat the next server's CPU."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and len(children_of(pid)) > baseline:
        time.sleep(0.05)


# ---- checks: the same bytes from every server ---------------------------------------

def http_get(port, path, timeout=60):
    """One GET on a new connection; (status, body) or raises OSError."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                   % (path, HOST, port)).encode())
        reader = HttpReader(s)
        status, _, body = reader.response()
        return status, body


class HttpReader:
    """Just enough HTTP/1.x: bodies by Content-Length, chunked (nginx's
    autoindex) or delimited by the close."""

    def __init__(self, sock):
        self.sock, self.buf = sock, bytearray()

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise OSError("connection closed")
        self.buf += data

    def _take(self, n):
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head = self._take(self.buf.index(b"\r\n\r\n") + 4)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        elif "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                self._fill()
            body = self._take(n)
        else:
            while True:
                try:
                    self._fill()
                except OSError:
                    break
            body = self._take(len(self.buf))
        return status, headers, body

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line = self._take(self.buf.index(b"\r\n") + 2)
        return line[:-2]

    def _chunked(self):
        parts = []
        while True:
            size = int(self._line().split(b";")[0], 16)
            if size == 0:
                while self._line():  # trailers, then the empty line
                    pass
                return b"".join(parts)
            while len(self.buf) < size + 2:
                self._fill()
            parts.append(self._take(size))
            del self.buf[:2]


def check_server(name, digests):
    """Which fixtures this server serves correctly: {fixture: None or why not}."""
    port = SERVER_PORTS[name]
    result = {}
    for fixture in (SMALL, BIG):
        try:
            status, body = http_get(port, "/" + fixture)
            digest = hashlib.sha256(body).hexdigest()
            if status != 200:
                result[fixture] = "status %d" % status
            elif digest != digests[fixture]:
                result[fixture] = "sha256 differs (%d bytes)" % len(body)
            else:
                result[fixture] = None
        except (OSError, ValueError, IndexError) as e:
            result[fixture] = "error: %s" % e
    try:
        status, body = http_get(port, "/%s/" % LISTDIR)
        text = body.decode("utf-8", "replace")
        absent = [n for n in list_names() if n not in text]
        if status != 200:
            result[LISTDIR] = "status %d" % status
        elif absent:
            result[LISTDIR] = "%d of %d names missing" % (len(absent), LIST_ENTRIES)
        else:
            result[LISTDIR] = None
    except (OSError, ValueError, IndexError) as e:
        result[LISTDIR] = "error: %s" % e
    return result


# ---- syscalls per keep-alive request --------------------------------------------------

def strace_per_request(name, pid, tools, run_dir, requests=1000):
    """Attach strace -c -f to the process serving one keep-alive
    connection, send REQUESTS requests on it, and divide."""
    if "strace" not in tools:
        return None
    port = SERVER_PORTS[name]
    out = os.path.join(run_dir, "strace-%s.txt" % name)
    s = socket.create_connection((HOST, port), timeout=10)
    tracer = None
    try:
        req = ("GET /%s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (SMALL, HOST, port)).encode()
        reader = HttpReader(s)
        s.sendall(req)
        reader.response()
        kids = children_of(pid)
        if name == "httpd-lite" and len(kids) != 1:
            return None
        target = kids[0] if kids else pid  # the child, nginx's worker, or the server itself
        tracer = subprocess.Popen([tools["strace"], "-f", "-c", "-o", out, "-p", str(target)],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, start_new_session=True)
        if not wait_for_line(tracer.stderr, b"attached", 10):
            return None
        for _ in range(requests):
            s.sendall(req)
            status, _, body = reader.response()
            if status != 200 or len(body) != SMALL_SIZE:
                return None
        s.close()
        s = None
        try:
            tracer.wait(timeout=1)  # a fork-per-connection child exits now
        except subprocess.TimeoutExpired:
            tracer.send_signal(signal.SIGINT)  # detach from a long-lived worker
            tracer.wait(timeout=10)
        return parse_strace(out, requests)
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as e:
        log("bench: strace on %s failed: %s" % (name, e))
        return None
    finally:
        if s:
            s.close()
        if tracer:
            stop_process(tracer)


def wait_for_line(stream, needle, limit):
    deadline = time.monotonic() + limit
    buf = b""
    while time.monotonic() < deadline:
        r, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
        if needle in buf:
            return True
    return False


def parse_strace(path, requests):
    calls = {}
    with open(path) as f:
        for line in f:
            t = line.split()
            if len(t) >= 5 and re.match(r"^[\d.]+$", t[0]) and t[-1] != "total":
                calls[t[-1]] = int(t[3])
    per = {k: v / requests for k, v in calls.items()}
    return {"total": sum(per.values()), "calls": dict(sorted(per.items(), key=lambda kv: -kv[1]))}


# ---- load generators -------------------------------------------------------------------

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
BIN = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def parse_wrk(text):
    r = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", text)
    if m:
        r["bytes_per_s"] = float(m.group(1)) * BIN[m.group(2)]  # wrk's units are binary
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    if m:
        r["p99_ms"] = float(m.group(1)) * UNITS[m.group(2)] * 1000
    m = re.search(r"(\d+) requests in", text)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    r["timeouts"] = int(m.group(4)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    return r


def run_wrk(tools, sc, port, seconds, on_midway=None):
    url = "http://%s:%d%s" % (HOST, port, sc.path)
    argv = [tools["wrk"], "-t", str(min(WRK_THREADS, sc.conns)), "-c", str(sc.conns),
            "-d", "%ds" % max(1, round(seconds)), "--timeout",
            "10s" if sc.kind == "wrk-bytes" else "5s", "--latency"]
    if sc.close:
        argv += ["-H", "Connection: close"]
    argv.append(url)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    midway = None
    try:
        if on_midway:
            time.sleep(seconds / 2)
            midway = on_midway()
        text, _ = p.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        stop_process(p)
        return {"error": "wrk did not finish"}, midway
    except BaseException:  # Ctrl-C: wrk is in its own session, stop it too
        stop_process(p)
        raise
    r = parse_wrk(text.decode(errors="replace"))
    if "rps" not in r:
        r["error"] = "wrk: " + text.decode(errors="replace").strip()[-200:]
    return r, midway


def run_bigread(tools, sc, port, seconds):
    argv = [tools["bigread"], HOST, str(port), sc.path, str(sc.conns), str(seconds)]
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=seconds + 30).stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return {"error": "bigread did not finish"}
    m = re.search(r"bytes (\d+) seconds [\d.]+ MBps ([\d.]+) responses (\d+) errors (\d+)", out)
    if not m:
        return {"error": "bigread: " + out.strip()[-200:]}
    return {"bytes": int(m.group(1)), "mbps": float(m.group(2)), "requests": int(m.group(3)),
            "errors": int(m.group(4))}


def run_forkrate(tools, seconds):
    try:
        out = subprocess.run([tools["forkrate"], str(seconds)], stdout=subprocess.PIPE,
                             timeout=seconds + 30).stdout.decode()
        return float(out.split()[1])
    except (subprocess.TimeoutExpired, IndexError, ValueError):
        return None


def run_iperf(tools, seconds, clients):
    """MB/s received by CLIENTS iperf3 processes at once, 4 streams in
    all. iperf3 3.12 runs all its streams in one thread: with one
    process the ceiling is one core's, so it is also measured with two
    processes of two streams, one per core of this machine."""
    streams = str(4 // clients)
    procs = []
    try:
        for port in IPERF_PORTS[:clients]:
            argv = [tools["iperf3"], "-c", HOST, "-p", str(port), "-P", streams,
                    "-t", str(max(1, round(seconds))), "-J"]
            procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL))
        total = 0.0
        for p in procs:
            out, _ = p.communicate(timeout=seconds + 30)
            total += json.loads(out)["end"]["sum_received"]["bits_per_second"] / 8 / 1e6
        return total
    except (subprocess.TimeoutExpired, ValueError, KeyError, TypeError):
        for p in procs:
            stop_process(p)
        return None
    except BaseException:
        for p in procs:
            stop_process(p)
        raise


# ---- one cell --------------------------------------------------------------------------

def sample_memory_under_load(sc, proc, tools, port, baseline):
    """Memory under the scenario's load, in a short run of its own: reading
    /proc/PID/smaps_rollup takes each process's mmap lock and the sampler
    competes for the CPU, so sampling inside a measured run would stall a
    server with many children and inflate its latency figures."""
    _, mem = run_wrk(tools, sc, port, 1.0 + sc.extra_seconds,
                     lambda: sample_memory(proc.pid))
    settle(proc.pid, baseline)
    return mem


def measure(sc, name, proc, tools, seconds, baseline, rnd=1):
    """One cell: the load, then (once the server's per-connection
    children are gone and reaped) the CPU time the server spent on it.
    Memory is sampled in round 1 only, in an extra run before the
    measured one."""
    port = SERVER_PORTS[name]
    seconds += sc.extra_seconds
    mem = (sample_memory_under_load(sc, proc, tools, port, baseline)
           if sc.memory and rnd == 1 and sc.kind != "bigread" else None)
    cpu0 = server_cpu_seconds(proc.pid)
    if sc.kind == "bigread":
        r = run_bigread(tools, sc, port, seconds)
    else:
        r, _ = run_wrk(tools, sc, port, seconds)
        if sc.kind == "wrk-bytes" and "bytes_per_s" in r:
            r["mbps"] = r["bytes_per_s"] / 1e6
        if mem:
            r["memory"] = mem
    settle(proc.pid, baseline)
    cpu1 = server_cpu_seconds(proc.pid)
    if children_auto_reaped(proc.pid):
        r["cpu_note"] = "children reaped by the kernel (SIGCHLD ignored): their CPU is lost"
    elif cpu0 is not None and cpu1 is not None and "error" not in r:
        if sc.kind == "wrk" and r.get("requests"):
            r["cpu_us_per_req"] = (cpu1 - cpu0) / r["requests"] * 1e6
        elif sc.kind == "bigread" and r.get("bytes"):
            r["cpu_ms_per_gb"] = (cpu1 - cpu0) / (r["bytes"] / 1e9) * 1e3
    return r


CLK_TCK = os.sysconf("SC_CLK_TCK")


def children_auto_reaped(pid):
    """A server that ignores SIGCHLD never waits for its children, so
    their CPU time is added to nobody's cutime: not measurable here."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigIgn:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGCHLD - 1)))
    except (OSError, ValueError, IndexError):
        pass
    return False


def server_cpu_seconds(pid):
    """User + system CPU of the server: its own, its reaped children's
    (cutime, cstime) and its live children's (nginx's worker)."""
    def fields(p):
        with open("/proc/%d/stat" % p) as f:
            return f.read().rsplit(")", 1)[1].split()
    try:
        f = fields(pid)
        total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    except (OSError, ValueError, IndexError):
        return None
    for kid in children_of(pid):
        try:
            k = fields(kid)
            total += int(k[11]) + int(k[12])
        except (OSError, ValueError, IndexError):
            pass
    return total / CLK_TCK


def value_of(sc, r):
    """The cell's figure: for wrk, 200 responses per second (an error
    page is not a served file); None when most answers were errors."""
    if not r or "error" in r:
        return None
    if sc.kind == "wrk":
        n, bad = r.get("requests", 0), r.get("non2xx", 0)
        if n == 0 or "rps" not in r or bad > 0.5 * n:
            return None
        return r["rps"] * (n - bad) / n
    return r.get("mbps")


# ---- the run ---------------------------------------------------------------------------

def run_rounds(args, servers, checks, tools):
    results = {sc.key: {n: [] for n in servers} for sc in args.scenarios}
    ceilings = {"fork": [], "loopback": [], "loopback2": []}
    baselines = {n: len(children_of(p.pid)) for n, p in servers.items()}
    started = time.monotonic()
    for rnd in range(1, args.rounds + 1):
        log("bench: round %d of %d (%.0f s so far)" % (rnd, args.rounds,
                                                       time.monotonic() - started))
        for sc in args.scenarios:
            for name, proc in servers.items():
                why = checks[name].get(sc.fixture)
                if why is not None:
                    results[sc.key][name].append({"error": "failed the check: " + why})
                    continue
                r = measure(sc, name, proc, tools, args.seconds, baselines[name], rnd)
                results[sc.key][name].append(r)
                log("  %-6s %-10s %s" % (sc.key, name, brief(sc, r)))
                if proc.poll() is not None:
                    log("bench: %s exited during the run" % name)
        if "forkrate" in tools:
            ceilings["fork"].append(run_forkrate(tools, args.seconds))
        if "iperf_server" in tools:
            ceilings["loopback"].append(run_iperf(tools, args.seconds, 1))
            ceilings["loopback2"].append(run_iperf(tools, args.seconds, 2))
        log("  ceilings: fork %s/s, loopback %s MB/s, with 2 processes %s MB/s" % (
            ceilings["fork"][-1:], ceilings["loopback"][-1:], ceilings["loopback2"][-1:]))
    return results, ceilings


def brief(sc, r):
    if "error" in r:
        return r["error"]
    v = value_of(sc, r)
    s = "%.0f %s" % (v, sc.unit) if v is not None else "no value"
    if "p99_ms" in r:
        s += ", p99 %.2f ms" % r["p99_ms"]
    if r.get("socket_errors") or r.get("non2xx") or r.get("errors"):
        s += " (errors %d, non-2xx %d)" % (r.get("socket_errors", r.get("errors", 0)),
                                           r.get("non2xx", 0))
    if "memory" in r:
        m = r["memory"]
        s += ", parent RSS %s KiB, %d children, child dirty max %s KiB" % (
            m["parent_rss_kib"], m["children"], m["child_private_dirty_max_kib"])
    return s


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ---- report ----------------------------------------------------------------------------

def fmt_num(v, unit):
    if v is None:
        return "—"
    if unit == "ms":
        return "%.2f ms" % v
    if v >= 100:
        return "{:,.0f}".format(v)
    return "%.1f" % v


def fmt_cpu(v, unit):
    if v is None:
        return "—"
    return ("%.0f %s" if v >= 10 else "%.1f %s") % (v, unit)


def fmt_ratio(v, ref):
    if v is None or not ref:
        return ""
    return " (%.2f×)" % (v / ref)


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = proc_kib("/proc/meminfo", "MemTotal")
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "cpu": cpu,
        "memory_gib": round(mem / 1024 / 1024, 1) if mem else None,
    }


def tool_version(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
        return p.stdout.decode(errors="replace").strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


def versions(tools, httpd_lite):
    v = {"httpd-lite": tool_version([httpd_lite, "--version"])}
    try:
        rev = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=10).stdout.decode().strip()
        if rev:
            v["httpd-lite"] += " (%s)" % rev
    except (OSError, subprocess.TimeoutExpired):
        pass
    cmds = {"nginx": ["-v"], "lighttpd": ["-v"], "mini_httpd": ["-V"], "busybox": [],
            "wrk": ["-v"], "iperf3": ["-v"]}
    for c, a in cmds.items():
        if c in tools:
            v[c] = tool_version([tools[c]] + a)
    v["python"] = "Python " + platform.python_version()
    return v


def build_report(args, servers, checks, results, ceilings, syscalls, info, vers):
    names = [n for n in SERVER_ORDER if n in servers]
    L = []
    L.append("# httpd-lite benchmark results")
    L.append("")
    L.append("Written by `make bench` (bench/bench.py) on %s. Machine: %s CPUs (`nproc`), "
             "CPU `%s`, kernel `%s` (`uname -r`), %s GiB of memory; client and servers share "
             "the machine, over 127.0.0.1." % (info["date"], info["nproc"], info["cpu"],
                                               info["kernel"], info["memory_gib"]))
    L.append("")
    L.append("Each cell is the median of %d interleaved round%s of %d s per measurement "
             "(%d s for 1,000 connections, which wrk opens inside its run)%s; in parentheses, "
             "the ratio to nginx with one worker measured in the same run (for latency and "
             "CPU, lower is better). wrk: %d threads, `--latency`; only `200` responses count. "
             "MB = 10^6 bytes. *Server CPU* is the user + system time of the server's "
             "processes (children included) divided by the requests or bytes served: on this "
             "shared, noisy machine it is steadier than throughput, which swings with the "
             "other tenants' load (see every round at the end)." % (
                 args.rounds, "s" if args.rounds > 1 else "", args.seconds, args.seconds + 1,
                 " (QUICK=1)" if args.quick else "", WRK_THREADS))
    L.append("")
    L.append("| scenario | " + " | ".join(SERVER_TITLES[n] for n in names) + " |")
    L.append("|---|" + "---:|" * len(names))
    notes = []
    for sc in args.scenarios:
        meds = {n: median_or_none([value_of(sc, r) for r in results[sc.key][n]]) for n in names}
        ref = meds.get(REFERENCE)
        L.append("| %s, %s | " % (sc.title, sc.unit) + " | ".join(
            fmt_num(meds[n], sc.unit) + fmt_ratio(meds[n], ref) for n in names) + " |")
        if sc.latency:
            p99 = {n: median_or_none([r.get("p99_ms") for r in results[sc.key][n]
                                      if value_of(sc, r) is not None]) for n in names}
            L.append("| %s, p99 latency | " % sc.title + " | ".join(
                fmt_num(p99[n], "ms") + fmt_ratio(p99[n], p99.get(REFERENCE)) for n in names)
                + " |")
        cpu_field, cpu_label, cpu_unit = (("cpu_us_per_req", "server CPU per request", "µs")
                                          if sc.kind == "wrk" else
                                          ("cpu_ms_per_gb", "server CPU per GB sent", "ms"))
        if sc.kind in ("wrk", "bigread"):
            cpu = {n: median_or_none([r.get(cpu_field) for r in results[sc.key][n]
                                      if value_of(sc, r) is not None]) for n in names}
            L.append("| %s, %s | " % (sc.title, cpu_label) + " | ".join(
                fmt_cpu(cpu[n], cpu_unit) + fmt_ratio(cpu[n], cpu.get(REFERENCE))
                for n in names) + " |")
        for n in names:
            notes += cell_notes(sc, n, results[sc.key][n])
    L.append("")
    fork = median_or_none(ceilings["fork"])
    L.append("**Ceilings** (same run, median): bare `fork()`+`_exit()`+`waitpid()` "
             "(bench/forkrate.c): **%s /s**; loopback TCP, 4 streams: `iperf3 -P 4` "
             "**%s MB/s**, two `iperf3 -P 2` at once (iperf3 3.12 is single-threaded) "
             "**%s MB/s**. iperf3 copies on both sides; a server using `sendfile` copies "
             "only on the receiving side, so it can beat this ceiling." % (
                 fmt_num(fork, "/s"), fmt_num(median_or_none(ceilings["loopback"]), "MB/s"),
                 fmt_num(median_or_none(ceilings["loopback2"]), "MB/s")))
    L.append("")
    mem_lines = memory_table(args, names, results)
    if mem_lines:
        L += mem_lines
    if syscalls:
        L += syscall_table(syscalls)
    L += targets_table(args, results, ceilings, syscalls)
    failed = [(n, f, why) for n in names for f, why in checks[n].items() if why]
    for n in names:
        if any(r.get("cpu_note") for sc in args.scenarios for r in results[sc.key][n]):
            notes.append("%s ignores SIGCHLD: the kernel reaps its children and their CPU "
                         "time is accounted nowhere, so its CPU cells are left out."
                         % SERVER_TITLES[n])
    if failed or notes:
        L.append("")
        L.append("### Notes")
        L.append("")
        for n, f, why in failed:
            L.append("- %s failed the byte check for `%s` (%s): left out of those cells."
                     % (SERVER_TITLES[n], f, why))
        for note in notes:
            L.append("- " + note)
    left_out = [n for n in SERVER_ORDER if n not in servers and n in args.servers]
    for n in left_out:
        L.append("- %s was not run (not installed or did not start)." % SERVER_TITLES[n])
    L.append("")
    L.append("Versions: " + "; ".join("%s: `%s`" % (k, v) for k, v in vers.items()) + ".")
    L.append("")
    L += rounds_appendix(args, names, results, ceilings)
    return "\n".join(L) + "\n"


def cell_notes(sc, name, runs):
    notes = []
    for i, r in enumerate(runs, 1):
        if "error" in r:
            if not r["error"].startswith("failed the check"):
                notes.append("%s, %s, round %d: %s" % (sc.title, SERVER_TITLES[name], i,
                                                       r["error"]))
            continue
        errs = r.get("socket_errors", r.get("errors", 0))
        if r.get("non2xx"):
            notes.append("%s, %s, round %d: %d of %d responses were not 2xx%s" % (
                sc.title, SERVER_TITLES[name], i, r["non2xx"], r.get("requests", 0),
                " (round left out)" if value_of(sc, r) is None
                else "; only the 200s are counted"))
        if errs and errs > 0.001 * max(1, r.get("requests", 0)):
            notes.append("%s, %s, round %d: %d socket errors (%d timeouts) for %d responses" % (
                sc.title, SERVER_TITLES[name], i, errs, r.get("timeouts", 0),
                r.get("requests", 0)))
    return notes


def memory_of(results, key, name, field):
    vals = [r["memory"][field] for r in results.get(key, {}).get(name, [])
            if "memory" in r and r["memory"].get(field) is not None]
    return max(vals) if vals else None


def memory_table(args, names, results):
    keys = [sc for sc in args.scenarios if sc.memory]
    if not keys:
        return []
    L = ["**Memory** sampled halfway through an extra 1 s run of the same load in round 1 "
         "(not during the measured runs, whose latency it would disturb): the "
         "server's main process RSS, and the private dirty memory "
         "(`/proc/PID/smaps_rollup`) of its largest child: a per-connection child for "
         "httpd-lite, mini_httpd and busybox, the worker for nginx; lighttpd and python "
         "have no children.", "",
         "| during | " + " | ".join(SERVER_TITLES[n] for n in names) + " |",
         "|---|" + "---:|" * len(names)]
    for sc in keys:
        cells = []
        for n in names:
            rss = memory_of(results, sc.key, n, "parent_rss_kib")
            kid = memory_of(results, sc.key, n, "child_private_dirty_max_kib")
            kids = memory_of(results, sc.key, n, "children")
            c = "RSS %s" % kib(rss)
            if kid is not None:
                c += "; %d child%s, child dirty ≤ %s" % (kids, "" if kids == 1 else "ren",
                                                         kib(kid))
            cells.append(c)
        L.append("| %s | " % sc.title + " | ".join(cells) + " |")
    L.append("")
    return L


def kib(v):
    if v is None:
        return "—"
    return "%d KiB" % v if v < 10240 else "%.1f MiB" % (v / 1024)


def syscall_table(syscalls):
    L = ["**System calls per keep-alive request** for the 1 KiB file (`strace -c -f` "
         "attached to the process serving one connection, 1,000 requests):", "",
         "| server | per request | breakdown |", "|---|---:|---|"]
    for n in SERVER_ORDER:
        s = syscalls.get(n)
        if not s:
            continue
        parts = ", ".join("%s %.2f" % (k, v) for k, v in s["calls"].items() if v >= 0.005)
        L.append("| %s | %.2f | %s |" % (SERVER_TITLES[n], s["total"], parts))
    L.append("")
    return L


def targets_table(args, results, ceilings, syscalls):
    def med(key, name, field=None):
        sc = next((s for s in args.scenarios if s.key == key), None)
        if sc is None or name not in results.get(key, {}):
            return None
        runs = results[key][name]
        if field:
            return median_or_none([r.get(field) for r in runs if value_of(sc, r) is not None])
        return median_or_none([value_of(sc, r) for r in runs])

    fork = median_or_none(ceilings["fork"])
    loop = loopback_ceiling(ceilings)
    me = "httpd-lite"
    rows = []

    def row(target, value, goal, met):
        rows.append("| %s | %s | %s | %s |" % (
            target, value, goal, "n/a" if met is None else ("**met**" if met else "missed")))

    def ratio(a, b):
        return a / b if a is not None and b else None

    r = ratio(med("a", me), med("a", "nginx"))
    row("(a) keep-alive req/s vs nginx", fx(r), "≥ 1.00×", None if r is None else r >= 1.0)
    r = ratio(med("a", me, "p99_ms"), med("a", "nginx", "p99_ms"))
    row("(a) p99 latency vs nginx", fx(r), "≤ 1.00×", None if r is None else r <= 1.0)
    for peer in ("mini_httpd", "busybox"):
        r = ratio(med("b", me), med("b", peer))
        row("(b) close req/s vs %s" % SERVER_TITLES[peer], fx(r), "≥ 3.00×",
            None if r is None else r >= 3.0)
    r = ratio(med("b", me), fork)
    row("(b) close req/s vs bare fork rate", pct(r), "≥ 85 %", None if r is None else r >= 0.85)
    r = ratio(med("c", me), loop)
    row("(c) 100 MiB MB/s vs loopback ceiling", pct(r), "≥ 90 %",
        None if r is None else r >= 0.90)
    r = ratio(med("d", me), med("d", "nginx"))
    row("(d) listing req/s vs nginx autoindex", fx(r), "≥ 4.00×", None if r is None else r >= 4)
    r = ratio(med("e1000", me), med("a", me))
    row("(e) 1,000 conns vs 50 conns req/s", fx(r), "≥ 0.80×", None if r is None else r >= 0.8)
    dirty = max([v for v in (memory_of(results, k, me, "child_private_dirty_max_kib")
                             for k in ("a", "e10", "e100", "e1000")) if v is not None],
                default=None)
    row("(f) child private dirty (largest)", kib(dirty), "≤ 256 KiB",
        None if dirty is None else dirty <= 256)
    rss = max([v for v in (memory_of(results, k, me, "parent_rss_kib")
                           for k in ("a", "e10", "e100", "e1000")) if v is not None],
              default=None)
    row("(f) parent RSS (largest)", kib(rss), "≤ 2 MiB", None if rss is None else rss <= 2048)
    sys_total = syscalls.get(me, {}).get("total") if syscalls else None
    row("syscalls per keep-alive request (child)",
        "—" if sys_total is None else "%.2f" % sys_total, "≤ 6",
        None if sys_total is None else round(sys_total, 2) <= 6.0)
    return ["**Performance targets for httpd-lite** (this run):", "",
            "| target | httpd-lite | goal | |", "|---|---:|---|---|"] + rows


def loopback_ceiling(ceilings):
    """The higher of the two iperf3 medians: the ceiling is what the
    machine can do."""
    vals = [v for v in (median_or_none(ceilings["loopback"]),
                        median_or_none(ceilings["loopback2"])) if v is not None]
    return max(vals) if vals else None


def fx(r):
    return "—" if r is None else "%.2f×" % r


def pct(r):
    return "—" if r is None else "%.0f %%" % (r * 100)


def rounds_appendix(args, names, results, ceilings):
    L = ["<details><summary>Every round</summary>", "",
         "| scenario | server | per round |", "|---|---|---|"]
    for sc in args.scenarios:
        for n in names:
            vals = []
            for r in results[sc.key][n]:
                v = value_of(sc, r)
                vals.append("—" if v is None else fmt_num(v, sc.unit))
            L.append("| %s | %s | %s |" % (sc.title, SERVER_TITLES[n], ", ".join(vals)))
    L.append("| fork ceiling | | %s |" % ", ".join(fmt_num(v, "/s") for v in ceilings["fork"]))
    L.append("| loopback ceiling, iperf3 -P 4 | | %s |" % ", ".join(
        fmt_num(v, "MB/s") for v in ceilings["loopback"]))
    L.append("| loopback ceiling, 2 × iperf3 -P 2 | | %s |" % ", ".join(
        fmt_num(v, "MB/s") for v in ceilings["loopback2"]))
    L += ["", "</details>"]
    return L


# ---- main ------------------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server-bin", default=os.path.join(REPO, "httpd-lite"),
                    help="the httpd-lite binary (default: ./httpd-lite)")
    ap.add_argument("--tools", default=os.path.join(REPO, "build", "bench"),
                    help="directory with the built forkrate and bigread")
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("QUICK", "0") not in ("", "0"),
                    help="about 2 minutes: one round, short runs (also QUICK=1)")
    ap.add_argument("--rounds", type=int, help="rounds (default 5, QUICK 1)")
    ap.add_argument("--seconds", type=int, help="seconds per measurement (default 2)")
    ap.add_argument("--servers", default=",".join(SERVER_ORDER),
                    help="comma-separated subset of " + ",".join(SERVER_ORDER))
    ap.add_argument("--scenarios", default="a,b,c,d,e", help="comma-separated subset of a-e")
    ap.add_argument("--no-strace", action="store_true", help="skip the syscall count")
    ap.add_argument("--out", help="where to write the table (default bench/results.md, "
                                  "bench/out/results.md for a narrowed run)")
    args = ap.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.seconds = args.seconds or 2
    if args.rounds < 1 or args.rounds > 20 or not 1 <= args.seconds <= 60:
        ap.error("rounds 1-20, seconds 1-60")
    args.servers = [s for s in args.servers.split(",") if s]
    bad = [s for s in args.servers if s not in SERVER_PORTS]
    if bad or not args.servers:
        ap.error("unknown server: %s" % ",".join(bad))
    keys = []
    for g in args.scenarios.split(","):
        if g not in SCENARIO_GROUPS:
            ap.error("unknown scenario %s" % g)
        keys += SCENARIO_GROUPS[g]
    narrowed = set(args.servers) != set(SERVER_ORDER) or len(keys) != len(SCENARIOS)
    args.scenarios = [sc for sc in SCENARIOS if sc.key in keys]
    if not args.out:
        args.out = (os.path.join(OUT_DIR, "results.md") if narrowed
                    else os.path.join(HERE, "results.md"))
    return args


def main():
    args = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_fatal_signal)
    t0 = time.monotonic()
    tools = ensure_tools()
    for t in ("forkrate", "bigread"):
        p = os.path.join(args.tools, t)
        if os.access(p, os.X_OK):
            tools[t] = p
        else:
            log("bench: %s not built (make bench builds it): left out" % p)
    if not os.access(args.server_bin, os.X_OK):
        sys.exit("bench: %s not found: build it first (make bench does)" % args.server_bin)
    httpd_lite = os.path.abspath(args.server_bin)
    nofile = raise_fd_limit()
    if nofile < 4096:
        log("bench: only %d file descriptors: the 1,000-connection cells may fail" % nofile)
    digests = make_fixtures()
    os.makedirs(OUT_DIR, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix="httpd-lite-bench-")
    os.chmod(run_dir, 0o755)
    procs = Procs()
    try:
        servers = start_servers(args.servers, tools, procs, run_dir, httpd_lite)
        if "iperf3" in tools and start_iperf_servers(tools, procs, run_dir):
            tools["iperf_server"] = True
        log("bench: servers up: %s" % ", ".join(servers))
        checks = {n: check_server(n, digests) for n in servers}
        for n, c in checks.items():
            for f, why in c.items():
                if why:
                    log("bench: %s fails the check for %s: %s" % (n, f, why))
        syscalls = {}
        if not args.no_strace:
            for n in ("httpd-lite", "nginx", "lighttpd"):
                if n in servers and checks[n].get(SMALL) is None:
                    settle(servers[n].pid, 1 if n == "nginx" else 0)
                    s = strace_per_request(n, servers[n].pid, tools, run_dir)
                    if s:
                        syscalls[n] = s
                        log("bench: %s: %.2f syscalls per keep-alive request: %s" % (
                            n, s["total"], s["calls"]))
                    settle(servers[n].pid, 1 if n == "nginx" else 0)
        results, ceilings = run_rounds(args, servers, checks, tools)
    finally:
        procs.stop_all()
        shutil.rmtree(run_dir, ignore_errors=True)
    info = machine_info()
    vers = versions(tools, httpd_lite)
    report = build_report(args, servers, checks, results, ceilings, syscalls, info, vers)
    print(report)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(report)
    with open(os.path.join(OUT_DIR, "raw.json"), "w") as f:
        json.dump({"machine": info, "versions": vers, "checks": checks, "syscalls": syscalls,
                   "ceilings": ceilings, "results": results, "rounds": args.rounds,
                   "seconds": args.seconds}, f, indent=1)
    log("bench: wrote %s (%.0f s in all)" % (args.out, time.monotonic() - t0))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("bench: interrupted; every server started here was stopped")
