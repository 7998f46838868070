"""Dashboard overhead over the upstream: the dashboard's own CPU per page at zero upstream latency.

    .venv/bin/python bench/overhead.py [--requests 50] [--rounds 5] [--workers 1] [--threads 4]

Budget (design.md): at zero upstream latency a page costs the dashboard under 10 ms of its own
CPU (Server-Timing shows upstream time and call count).

Starts a sandbox (`python -m sandbox`, no latency) and the dashboard under gunicorn, each as its
own process on a free loopback port with temporary data, signs in as `demo` and requests each page
`--requests` times, one after another, split into `--rounds` rounds that visit every page in turn
(so a burst of load from elsewhere on the machine spoils one round of each page, not one page).
Per page it prints, median and p90 over the requests:

- total     Server-Timing `total`: the dashboard's wall time for the request;
- upstream  Server-Timing `upstream`: the SUM of the upstream calls' times (reads run in
            parallel, so it can exceed `total`), and the number of calls;
- own wall  total - upstream: wall time outside upstream calls (an underestimate, even
            negative, when reads overlap);
- CPU/page  the on-CPU time of the gunicorn worker process(es) over a round, per request, from
            /proc (`task/*/schedstat`, nanoseconds; `stat`, 10 ms ticks, when a thread came or
            went during the round): median and minimum of the rounds. This is the figure judged
            against the budget: it counts everything the dashboard does (routing, sessions,
            SQLite, the HTTP client speaking to the sandbox, templates) and nothing of the sandbox
            or of this client, which are other processes.

The baseline `/healthz` (answered by the first middleware) shows what gunicorn and WSGI alone
cost per request in the same run. The last line says how busy the rest of the machine was.

Also imported by bench/load.py for `Stack` (the sandbox + gunicorn pair) and the helpers.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DARREN = "5554872eb0731b38efa4d444"
DEAN = "5564872eb0731b38efa4d555"
PASSWORD = "1234"
BUDGET_CPU_MS = 10.0
PAGES = (
    ("organisation", "/"),
    ("account list", "/accounts/"),
    ("overview (Darren)", f"/accounts/{DARREN}/"),
    ("trunks (Darren)", f"/accounts/{DARREN}/trunks/"),
    ("address (Darren)", f"/accounts/{DARREN}/address/"),
    ("flow (Darren)", f"/accounts/{DARREN}/flow/"),
    ("flow (Dean's Taxis)", f"/accounts/{DEAN}/flow/"),
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_TIMING = re.compile(r"(\w+);dur=([0-9.]+)(?:;desc=\"(\d+) calls\")?")


def free_port() -> int:
    """A port the OS says is free on loopback (there is a small race until the server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a whole process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (all CPUs, /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def parse_env(pairs: list[str], parser: argparse.ArgumentParser) -> dict[str, str]:
    """--env KEY=VALUE flags: extra environment for the dashboard (e.g. DATABASE_URL)."""
    extra = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            parser.error(f"--env wants KEY=VALUE, not {pair!r}")
        extra[key] = value
    return extra


def children(pid: int) -> list[int]:
    """Direct children of a process: /proc/<pid>/task/*/children, else `ps --ppid`."""
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(child) for child in (task / "children").read_text().split())
    except OSError:
        listing = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, timeout=5
        )
        found.update(int(line) for line in listing.stdout.split())
    return sorted(found)


def server_timing(response: requests.Response) -> dict[str, float]:
    """{'total': ms, 'upstream': ms, 'calls': n} from the Server-Timing header ({} if absent)."""
    timing: dict[str, float] = {}
    for name, duration, calls in _TIMING.findall(response.headers.get("Server-Timing", "")):
        timing[name] = float(duration)
        if calls:
            timing["calls"] = int(calls)
    return timing


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


def stop(process: subprocess.Popen | None) -> None:
    """Terminate, wait, then kill: never leaves the process behind."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class Stack:
    """A sandbox and the dashboard under gunicorn, each its own process, on free loopback ports,
    with all their state in a temporary directory. A context manager: leaving stops both."""

    def __init__(
        self,
        *,
        workers: int = 1,
        threads: int = 4,
        latency_ms: float = 0,
        cache_url: str = "",
        env: dict[str, str] | None = None,
        prefix: str = "bench-",
    ):
        self.workers, self.threads = workers, threads
        self.latency_ms, self.cache_url = latency_ms, cache_url
        self.extra_env = env or {}
        self._scratch = tempfile.TemporaryDirectory(prefix=prefix)
        self.dir = Path(self._scratch.name)
        self.sandbox: subprocess.Popen | None = None
        self.gunicorn: subprocess.Popen | None = None
        self._logs: list = []

    def _log(self, name: str):
        handle = open(self.dir / name, "w")  # closed in stop()
        self._logs.append(handle)
        return handle

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.dir / name
        return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else ""

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        sandbox_port, dashboard_port = free_port(), free_port()
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        self.url = f"http://127.0.0.1:{dashboard_port}"
        command = [PYTHON, "-m", "sandbox", "--port", str(sandbox_port)]
        command += ["--data", str(self.dir / "sandbox"), "--latency-ms", str(self.latency_ms)]
        log = self._log("sandbox.log")
        self.sandbox = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_until(
            lambda: requests.get(self.sandbox_url + "/_sandbox/faults", timeout=1).ok,
            20,
            "the sandbox",
        )

        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "callable_admin.settings",
            "CALLABLE_API_URL": self.sandbox_url,
            "HTTPS_ONLY": "0",
            "DEBUG": "0",
            "MANIFEST_STATIC": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{self.dir}/db.sqlite3",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONWARNINGS": "ignore:No directory at",  # no collectstatic needed here
        }
        if self.cache_url:
            self.env["CACHE_URL"] = self.cache_url
        else:
            self.env.pop("CACHE_URL", None)  # the default: local memory, per process
        self.env.update(self.extra_env)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
        )
        command = [PYTHON, "-m", "gunicorn", "callable_admin.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{dashboard_port}"]
        command += ["--workers", str(self.workers), "--threads", str(self.threads)]
        command += ["--graceful-timeout", "5", "--log-level", "warning"]
        log = self._log("gunicorn.log")
        self.gunicorn = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

        def up() -> bool:
            if self.gunicorn.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_tail("gunicorn.log"))
            return requests.get(self.url + "/healthz", timeout=1).ok

        wait_until(up, 30, "the dashboard")
        wait_until(lambda: len(self.worker_pids()) == self.workers, 30, "the gunicorn workers")

    def worker_pids(self) -> list[int]:
        return children(self.gunicorn.pid) if self.gunicorn else []

    def workers_cpu(self) -> float:
        """CPU seconds used so far by the gunicorn workers (the master only supervises)."""
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        try:
            stop(self.gunicorn)
        finally:
            try:
                stop(self.sandbox)
            finally:
                for handle in self._logs:
                    handle.close()
                self._scratch.cleanup()

    def sign_in(self, username: str = "demo", password: str = PASSWORD) -> requests.Session:
        """A keep-alive session signed in through the dashboard's own sign-in form."""
        session = requests.Session()
        page = session.get(self.url + "/login/", timeout=30)
        page.raise_for_status()
        answer = session.post(
            self.url + "/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/",
            },
            headers={"Referer": self.url + "/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302 or answer.headers.get("Location", "").startswith("/login"):
            session.close()
            raise RuntimeError(f"sign-in as {username} failed: HTTP {answer.status_code}")
        return session


def worker_cpu(stack: Stack) -> tuple[frozenset, float, float]:
    """The gunicorn workers' thread ids, their on-CPU time summed from /proc/<pid>/task/*/schedstat
    (nanoseconds, but threads that have exited drop out) and the processes' CPU from
    /proc/<pid>/stat (10 ms ticks, exited threads included), both in seconds."""
    threads, precise, ticks = set(), 0, 0.0
    for pid in stack.worker_pids():
        ticks += cpu_seconds(pid)
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                precise += int((task / "schedstat").read_text().split()[0])
                threads.add(int(task.name))
            except (OSError, ValueError, IndexError):
                pass
    return frozenset(threads), precise / 1e9, ticks


class Page:
    """One page being measured: its requests' timings, and its CPU per request in each round."""

    def __init__(self, name: str, path: str, session: requests.Session):
        self.name, self.path, self.session = name, path, session
        self.rows: list[dict] = []
        self.cpu: list[float] = []
        self.statuses: set[int] = set()
        self.status: int | str = "-"

    def get(self, stack: Stack) -> requests.Response:
        return self.session.get(stack.url + self.path, allow_redirects=False, timeout=30)

    def warm_up(self, stack: Stack) -> bool:
        for _ in range(3):
            self.status = self.get(stack).status_code
        return self.status == 200

    def round(self, stack: Stack, count: int) -> None:
        """`count` GETs one after another; the workers' CPU over them, per request."""
        threads, precise, ticks = worker_cpu(stack)
        for _ in range(count):
            sent = time.perf_counter()
            response = self.get(stack)
            client_ms = (time.perf_counter() - sent) * 1000
            self.statuses.add(response.status_code)
            self.rows.append({**server_timing(response), "client": client_ms})
        threads_after, precise_after, ticks_after = worker_cpu(stack)
        spent = precise_after - precise if threads_after == threads else ticks_after - ticks
        self.cpu.append(spent * 1000 / count)

    def result(self) -> dict:
        result: dict = {"status": "/".join(map(str, sorted(self.statuses))) or str(self.status)}
        if not self.cpu:
            return result
        result["cpu"] = statistics.median(self.cpu)
        result["cpu_min"] = min(self.cpu)
        for key in ("total", "upstream", "calls", "client"):
            values = [row[key] for row in self.rows if key in row]
            if values:
                result[key] = (statistics.median(values), percentile(values, 0.9))
        own = [row["total"] - row["upstream"] for row in self.rows if "upstream" in row]
        if own:
            result["own"] = (statistics.median(own), percentile(own, 0.9))
        return result


def pair(values: tuple[float, float] | None, digits: int = 1) -> str:
    if values is None:
        return "-"
    return f"{values[0]:.{digits}f} / {values[1]:.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds the requests are split into"
    )
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (default 1)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads (default 4)")
    parser.add_argument(
        "--seconds", type=float, default=120, help="start no new round after this long"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra dashboard env"
    )
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 100))
    per_round = max(1, math.ceil(min(args.requests, 5000) / rounds))
    limit = min(args.seconds, 1800)
    extra_env = parse_env(args.env, parser)

    print(
        f"bench/overhead.py: {per_round * rounds} sequential GETs per page in {rounds} "
        f"interleaved rounds, upstream latency 0 ms, gunicorn --workers {args.workers} "
        f"--threads {args.threads}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        + (f", env {extra_env}" if extra_env else "")
    )
    with Stack(
        workers=args.workers, threads=args.threads, env=extra_env, prefix="bench-overhead-"
    ) as stack:
        session = stack.sign_in("demo")
        baseline = Page("baseline /healthz", "/healthz", requests.Session())
        pages = [baseline] + [Page(name, path, session) for name, path in PAGES]
        live = []
        for page in pages:
            try:
                if page.warm_up(stack):
                    live.append(page)
            except requests.RequestException as exc:
                page.status = type(exc).__name__
        began = time.monotonic()
        ours_before = _ours(stack)
        machine_before = machine_busy_seconds()
        done = 0
        for _ in range(rounds):
            if time.monotonic() - began > limit:
                break
            for page in live:
                page.round(stack, per_round)
            done += 1
        window = time.monotonic() - began
        others = machine_busy_seconds() - machine_before - (_ours(stack) - ours_before)
        baseline.session.close()
        session.close()

    header = (
        f"{'page':<21} {'status':>6} {'total ms':>13} {'upstream ms':>13} {'calls':>5} "
        f"{'own wall ms':>13} {'CPU ms/page':>11} {'(min)':>6}  budget"
    )
    print()
    print(
        "median / p90 over the requests; CPU ms/page = the gunicorn worker's CPU time per request,"
        f" median (min) of {done} rounds"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for page in pages:
        result = page.result()
        if "cpu" not in result:
            print(f"{page.name:<21} {result['status']:>6}  not measured (page not answering 200)")
            verdicts.append(False)
            continue
        if page is baseline:
            verdict = "(gunicorn + WSGI floor)"
        else:
            within = result["cpu"] < BUDGET_CPU_MS
            verdicts.append(within)
            verdict = f"{'within' if within else 'OVER'} {BUDGET_CPU_MS:.0f} ms"
        calls = f"{result['calls'][0]:.0f}" if "calls" in result else "-"
        print(
            f"{page.name:<21} {result['status']:>6} {pair(result.get('total')):>13} "
            f"{pair(result.get('upstream')):>13} {calls:>5} {pair(result.get('own')):>13} "
            f"{result['cpu']:>11.2f} {result['cpu_min']:>6.2f}  {verdict}"
        )
    print()
    for page in pages[1:]:
        print(f"  {page.name:<21} GET {page.path}")
    print(
        f"\nBudget: own CPU < {BUDGET_CPU_MS:.0f} ms per page at 0 ms upstream latency: "
        f"{'PASS' if all(verdicts) else 'FAIL'} ({sum(verdicts)}/{len(verdicts)} pages within)"
    )
    print(
        f"Noise: while measuring ({window:.0f} s), other processes on this machine used "
        f"{100 * others / window:.0f}% of one core (of {100 * (os.cpu_count() or 1)}%); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return 0 if all(verdicts) else 1


def _ours(stack: Stack) -> float:
    """CPU seconds so far of this client process, the gunicorn workers and the sandbox."""
    own = os.times()
    return own.user + own.system + stack.workers_cpu() + cpu_seconds(stack.sandbox.pid)


if __name__ == "__main__":
    sys.exit(main())
