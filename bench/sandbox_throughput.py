"""GET requests per second the sandbox serves to keep-alive clients, so it is never the bottleneck.

    .venv/bin/python bench/sandbox_throughput.py [--threads 8] [--seconds 5] [--url http://127.0.0.1:8100]

Without --url it starts its own sandbox (`python -m sandbox --port 0`) on a temporary data dir
in a separate process, so client and server do not share one interpreter lock. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
DARREN = "5554872eb0731b38efa4d444"
PATHS = {
    "account": f"/api/v1/account/{DARREN}",
    "accounts": "/api/v1/account",
    "devices": f"/api/v1/account/{DARREN}/device",
}


def cpu_seconds(pid: int) -> float | None:
    """CPU time a process has used (Linux /proc), to show how busy the sandbox was."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def own_sandbox():
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as data_dir:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", "0", "--data", data_dir],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            first_line = process.stdout.readline()
            url = first_line.split(" listening on ")[1].split()[0]
            yield url, process.pid
        finally:
            process.terminate()
            process.wait(timeout=10)


def sign_in(url: str) -> str:
    response = requests.post(
        url + "/api/v1/oauth/authorize", data={"username": "demo", "password": "1234"}, timeout=10
    )
    response.raise_for_status()
    return response.json()["access_token"]


def run(url: str, path: str, threads: int, seconds: float, client_kind: str) -> dict:
    token = sign_in(url)
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    start_line = threading.Barrier(threads + 1)

    def requests_client(number: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            start_line.wait()
            while (now := time.perf_counter()) < deadline:
                try:
                    response = session.get(url + path, timeout=10)
                    ok = response.status_code == 200
                except requests.RequestException:
                    ok = False
                latencies[number].append(time.perf_counter() - now)
                errors[number] += not ok

    def light_client(number: int) -> None:
        # http.client costs the client far less CPU than requests: it shows the server's ceiling.
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        headers = {"Authorization": f"Bearer {token}"}
        start_line.wait()
        while (now := time.perf_counter()) < deadline:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            latencies[number].append(time.perf_counter() - now)
            errors[number] += not ok
        connection.close()

    client = light_client if client_kind == "http.client" else requests_client

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start_line.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    samples = sorted(sample for per_thread in latencies for sample in per_thread)
    return {
        "requests": len(samples),
        "errors": sum(errors),
        "seconds": elapsed,
        "per_second": len(samples) / elapsed,
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": samples[int(len(samples) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running sandbox on loopback (default: start one)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="bounded run time")
    parser.add_argument("--path", choices=sorted(PATHS), default="account")
    parser.add_argument(
        "--client",
        choices=("requests", "http.client"),
        default="requests",
        help="requests.Session (as the dashboard) or the lighter http.client",
    )
    args = parser.parse_args()
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address")

    def report(url: str, pid: int | None) -> None:
        cpu_before = cpu_seconds(pid) if pid else None
        result = run(url, PATHS[args.path], args.threads, min(args.seconds, 60), args.client)
        cpu_after = cpu_seconds(pid) if pid else None
        busy = ""
        if cpu_before is not None and cpu_after is not None:
            busy = f", sandbox CPU {100 * (cpu_after - cpu_before) / result['seconds']:.0f}% of one core"
        print(
            f"GET {PATHS[args.path]}: {args.threads} keep-alive {args.client} clients, "
            f"{result['seconds']:.1f} s, {result['requests']} requests, "
            f"{result['per_second']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
            f"p99 {result['p99_ms']:.2f} ms, {result['errors']} errors{busy}"
        )

    if args.url:
        report(args.url.rstrip("/"), None)
    else:
        with own_sandbox() as (url, pid):
            report(url, pid)


if __name__ == "__main__":
    main()
