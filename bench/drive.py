"""Serve the app with gunicorn (2 sync workers) on a free loopback port and drive each page with
wrk, interleaved with the bare endpoint on the same workers; medians of ``runs``.

Every process started here is stopped by its PID in a finally block."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from bench.db import ROOT, SECRET_KEY

BARE_PATH = "/__bare"  # bench.wsgi_bench serves it beside the shop
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str | None = None  # "producer", "admin", "api" or None (a guest)


@dataclass
class Result:
    page: Page
    status: int
    rps: list[float]
    p50: list[float]
    p99: list[float]
    ratios: list[float]
    errors: int

    def median(self, values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(user_id: int, generation: int = 0) -> str:
    """A session cookie for ``user_id`` signed as the served app signs it (same SECRET_KEY):
    Flask-Login's "id:generation" with a non-fresh login, so no request rewrites it."""
    from flask import Flask

    signer = Flask("cookie")
    signer.secret_key = SECRET_KEY
    serializer = signer.session_interface.get_signing_serializer(signer)
    value = serializer.dumps({"_user_id": f"{user_id}:{generation}", "_fresh": False})
    return f"session={value}"


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")


def parse_wrk(out: str) -> tuple[float, float, float, int]:
    """(req/s, p50 s, p99 s, non-2xx/3xx responses + socket errors) from `wrk --latency`."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _seconds(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _seconds(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return rps, p50, p99, errors


class Server:
    """gunicorn on a free loopback port; start() waits until the bare endpoint answers."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
                "bench.wsgi_bench:app",
            ],  # fmt: skip
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.base + BARE_PATH, timeout=2).read()  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise SystemExit("gunicorn did not answer within 90 s")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        children = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                children += [int(c) for c in fh.read().split()]
        return sorted(children)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # gunicorn stops its workers, then itself
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _headers(page: Page, auth: dict[str, str]) -> list[str]:
    headers = []
    if page.who in ("producer", "admin"):
        headers.append(f"Cookie: {auth[page.who]}")
    elif page.who == "api":
        headers.append(f"Authorization: {auth['api']}")
    return headers


def probe(base: str, page: Page, auth: dict[str, str]) -> tuple[int, int]:
    """One request: (status, body bytes). Redirects are not followed (a login page is a 302)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(base + page.path)  # noqa: S310 (loopback)
    for header in _headers(page, auth):
        name, _, value = header.partition(": ")
        request.add_header(name, value)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=300) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, 0


def settle(base: str, limit: float = 900.0) -> float:
    """Wait until the workers are idle again (the requests still queued from the last run are
    done): the bare endpoint answers within 50 ms three times in a row. Seconds waited."""
    start = time.monotonic()
    quick = 0
    while quick < 3 and time.monotonic() - start < limit:
        began = time.monotonic()
        try:
            urllib.request.urlopen(base + BARE_PATH, timeout=limit).read()  # noqa: S310
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        quick = quick + 1 if time.monotonic() - began < 0.05 else 0
        time.sleep(0.1)
    return time.monotonic() - start


def wrk(base: str, path: str, headers: list[str], threads, connections, duration) -> tuple:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency",
               "--timeout", "30s"]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    done = subprocess.run(command + [base + path], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def drive(server: Server, pages: list[Page], auth, runs=3, threads=2, connections=16,
          duration="10s") -> tuple[list[Result], list[float]]:  # fmt: skip
    """Each page ``runs`` times, each run right after a bare run; results and bare req/s."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    results = []
    for page in pages:
        status, size = probe(server.base, page, auth)
        print(f"  {page.name}: {page.path} answers {status} ({size:,} bytes)", flush=True)
        results.append(Result(page, status, [], [], [], [], 0))
    bare_rps = []
    for run in range(runs):
        for result in results:
            settle(server.base)
            bare = wrk(server.base, BARE_PATH, [], threads, connections, duration)
            settle(server.base)
            got = wrk(server.base, result.page.path, _headers(result.page, auth), threads,
                      connections, duration)  # fmt: skip
            bare_rps.append(bare[0])
            result.rps.append(got[0])
            result.p50.append(got[1])
            result.p99.append(got[2])
            result.errors += got[3]
            if bare[0]:  # a bare run that could not start (workers still busy) has no ratio
                result.ratios.append(got[0] / bare[0])
            print(f"  run {run + 1}/{runs} {result.page.name:<28} {got[0]:9.1f} req/s "
                  f"(bare {bare[0]:7.1f}) p99 {got[2] * 1000:8.1f} ms", flush=True)  # fmt: skip
    return results, bare_rps
