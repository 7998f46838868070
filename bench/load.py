"""50 concurrent users browsing for 60 s with 20 ms of upstream latency: errors and latency.

    .venv/bin/python bench/load.py [--seconds 60] [--users 50] [--workers 2] [--threads 8]
        [--latency-ms 20] [--cache-url URL] [--edit-share 0.2] [--think-ms 0] [--requests N]

Budget (design.md): 50 concurrent users browsing for 60 s: no error, p99 under 500 ms with
20 ms upstream latency.

Starts a sandbox with the latency injected on every API call and the dashboard under gunicorn
(`--workers`, `--threads`; the dashboard's default cache unless `--cache-url` names one), each its own process on a free loopback port with
temporary data. Then `--users` client threads each sign in once through the sign-in form (`demo`
and `support` alternately) and browse until `--seconds` are up, each with its own keep-alive
`requests.Session`. A visit: sometimes the organisation page, the account list searched for the
account's name, its overview, then one to three of trunks, hooks and the flow canvas, and on the
canvas one to three inspector fragments (`HX-Request: true`), on an account picked at random.
With `--think-ms 0` (default) a user sends the next request as soon as the last one answered.

Edits (`--edit-share`, default 0.2: the share of visits that end with one): each `demo` user
owns one field of one account's address (several users share an account, never a field), and
saves a new value of it through the address form, the way a person would (GET the form, POST it).
At the end every owned field must hold the last value its owner was told was saved: a field
holding anything else is a lost edit. A conflict page (409) for a field nobody else edits is an
error too.

Every request's status and latency (sent to body read) is recorded. An error is any status
outside 2xx/3xx, any exception (timeout, refused connection), and a redirect to the sign-in page
(the user was signed out). Clients, dashboard and sandbox share the same machine's CPUs; the
output says how much CPU each took during the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import requests
from overhead import (
    PASSWORD,
    ROOT,
    Stack,
    cpu_seconds,
    machine_busy_seconds,
    parse_env,
    percentile,
    server_timing,
)

sys.path.insert(0, str(ROOT))
from tests.accounts.pages import form_fields  # noqa: E402  (reads a form as a browser would)

BUDGET_P99_MS = 500.0
ADDRESS_FIELDS = ("line1", "line2", "level1", "level2")
FAILURES: list[str] = []  # what the client saw when a request failed outright, for the report
USERS = ("demo", "support")
PAGE_ORDER = (
    "organisation",
    "account list ?q=",
    "overview",
    "trunks",
    "hooks",
    "flow canvas",
    "inspector (htmx)",
    "address",
    "address save",
)


def discover(sandbox_url: str) -> list[dict]:
    """The organisation's accounts and their device ids, asked of the sandbox API directly."""
    with requests.Session() as api:
        answer = api.post(
            sandbox_url + "/api/v1/oauth/authorize",
            data={"username": "demo", "password": PASSWORD},
            timeout=30,
        )
        answer.raise_for_status()
        api.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
        accounts = api.get(sandbox_url + "/api/v1/account", timeout=30).json()
        for account in accounts:
            devices = api.get(
                f"{sandbox_url}/api/v1/account/{account['id']}/device", timeout=30
            ).json()
            account["devices"] = [device["id"] for device in devices]
            address = api.get(f"{sandbox_url}/api/v1/account/{account['id']}/address", timeout=30)
            account["editable"] = bool(address.content and address.json().get("line1"))
    return accounts


def edit_slots(accounts: list[dict]) -> list[tuple[str, str]]:
    """(account id, address field) pairs, one per editing user, fields of an account together."""
    return [(a["id"], name) for a in accounts if a["editable"] for name in ADDRESS_FIELDS]


def edit(stack, session, slot, value: str, records: list) -> bool:
    """Save `value` into the slot's field through the address form; True if told it was saved."""
    account_id, name = slot
    url = f"{stack.url}/accounts/{account_id}/address/"
    sent = time.perf_counter()
    try:
        page = session.get(url, allow_redirects=False, timeout=30)
        took = (time.perf_counter() - sent) * 1000
        records.append(("address", page.status_code, took, server_timing(page).get("total")))
        if page.status_code != 200:
            return False
        fields = form_fields(page)
        fields[name] = value
        fields["csrfmiddlewaretoken"] = session.cookies.get("csrftoken", "")
        sent = time.perf_counter()
        answer = session.post(url, data=fields, allow_redirects=False, timeout=30)
    except requests.RequestException as exc:
        records.append(("address save", type(exc).__name__, 0.0, None))
        FAILURES.append(f"address: {exc}"[:300])
        return False
    elapsed = (time.perf_counter() - sent) * 1000
    saved = answer.status_code == 302 and not answer.headers["Location"].startswith("/login")
    status = answer.status_code if saved or answer.status_code != 302 else "302 to sign-in"
    records.append(("address save", status, elapsed, server_timing(answer).get("total")))
    return saved


def lost_edits(sandbox_url: str, saved: dict) -> list[str]:
    """Owned fields not holding the value last reported saved."""
    lost = []
    with requests.Session() as api:
        answer = api.post(
            sandbox_url + "/api/v1/oauth/authorize",
            data={"username": "demo", "password": PASSWORD},
            timeout=30,
        )
        api.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
        for (account_id, name), value in saved.items():
            now = api.get(f"{sandbox_url}/api/v1/account/{account_id}/address", timeout=30)
            if now.json().get(name) != value:
                lost.append(f"{account_id} {name}: {now.json().get(name)!r}, saved {value!r}")
    return lost


def visit(rng: random.Random, accounts: list[dict]):
    """One user's visit to one account: (page name, path, extra headers) in order."""
    account = rng.choice(accounts)
    base = f"/accounts/{account['id']}/"
    if rng.random() < 0.3:
        yield "organisation", "/", {}
    word = account["name"].split()[0][:6]
    yield "account list ?q=", "/accounts/?" + urlencode({"q": word}), {}
    yield "overview", base, {}
    for tab in rng.sample(("trunks", "hooks", "flow"), rng.randint(1, 3)):
        if tab != "flow":
            yield tab, f"{base}{tab}/", {}
            continue
        yield "flow canvas", f"{base}flow/", {}
        for device in rng.sample(
            account["devices"], min(len(account["devices"]), rng.randint(1, 3))
        ):
            headers = {"HX-Request": "true", "HX-Current-URL": f"{base}flow/"}
            yield "inspector (htmx)", f"{base}flow/device/{device}/", headers


def browse(
    stack: Stack,
    session: requests.Session,
    accounts: list[dict],
    seed: int,
    deadline: float,
    max_requests: int,
    think: float,
    records: list,
    slot: tuple[str, str] | None = None,
    edit_share: float = 0.0,
    saved: dict | None = None,
) -> None:
    """Requests pages until the deadline or `max_requests`; appends (page, status, ms, server ms).
    A user with a `slot` ends `edit_share` of its visits saving a new value into it (`saved`
    keeps the last value it was told was saved)."""
    rng = random.Random(seed)
    edits = 0
    while len(records) < max_requests:
        if slot and rng.random() < edit_share and time.monotonic() < deadline:
            edits += 1
            value = f"load {seed} edit {edits}"
            if edit(stack, session, slot, value, records):
                saved[slot] = value
        for page, path, headers in visit(rng, accounts):
            if time.monotonic() >= deadline or len(records) >= max_requests:
                return
            sent = time.perf_counter()
            try:
                response = session.get(
                    stack.url + path, headers=headers, allow_redirects=False, timeout=30
                )
            except requests.RequestException as exc:
                records.append(
                    (page, type(exc).__name__, (time.perf_counter() - sent) * 1000, None)
                )
                FAILURES.append(f"{page}: {exc}"[:300])
                continue
            elapsed = (time.perf_counter() - sent) * 1000
            status: int | str = response.status_code
            signed_out = response.headers.get("Location", "").startswith("/login") or (
                "/login" in response.headers.get("HX-Redirect", "")
            )
            if signed_out:
                status = f"{status} to sign-in"
            records.append((page, status, elapsed, server_timing(response).get("total")))
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)


def is_error(status: int | str) -> bool:
    return not isinstance(status, int) or not 200 <= status < 400


def row(name: str, latencies: list[float], errors: int, server: list[float]) -> str:
    if not latencies:
        return f"{name:<18} {0:>6} {errors:>6}"
    server_part = (
        f"{statistics.median(server):>8.1f} {percentile(server, 0.99):>8.1f}" if server else ""
    )
    return (
        f"{name:<18} {len(latencies):>6} {errors:>6} {statistics.median(latencies):>7.1f} "
        f"{percentile(latencies, 0.9):>7.1f} {percentile(latencies, 0.99):>7.1f} "
        f"{max(latencies):>7.1f}   {server_part}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="browsing time (max 600)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (max 200)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads (default 8)")
    parser.add_argument("--latency-ms", type=float, default=20, help="upstream latency")
    parser.add_argument(
        "--cache-url", default="", help="dashboard CACHE_URL (default: the shipped default)"
    )
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between requests")
    parser.add_argument(
        "--requests", type=int, default=100_000, help="at most this many requests per user"
    )
    parser.add_argument("--seed", type=int, default=1, help="seeds each user's random visits")
    parser.add_argument(
        "--edit-share", type=float, default=0.2, help="share of visits that save an edit"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra dashboard env"
    )
    args = parser.parse_args()
    extra_env = parse_env(args.env, parser)
    seconds = max(1.0, min(args.seconds, 600))
    users = max(1, min(args.users, 200))

    if args.cache_url.startswith("redis://"):
        import redis

        try:
            redis.Redis.from_url(args.cache_url, socket_timeout=2).ping()
        except redis.RedisError as exc:
            parser.error(f"Redis at {args.cache_url} does not answer ({exc}); try --cache-url ''")

    print(
        f"bench/load.py: {users} users for {seconds:.0f} s, upstream latency {args.latency_ms:g} ms, "
        f"think time {args.think_ms:g} ms, gunicorn --workers {args.workers} "
        f"--threads {args.threads}, cache {args.cache_url or 'the default'}, "
        f"edits on {args.edit_share:.0%} of visits" + (f", env {extra_env}" if extra_env else "")
    )
    print(
        f"Same machine: {os.cpu_count()} CPUs shared by the {users} client threads, the dashboard "
        f"and the sandbox; load average at start {os.getloadavg()[0]:.1f}"
    )
    with Stack(
        workers=args.workers,
        threads=args.threads,
        latency_ms=args.latency_ms,
        cache_url=args.cache_url,
        env=extra_env,
        prefix="bench-load-",
    ) as stack:
        faults = requests.get(stack.sandbox_url + "/_sandbox/faults", timeout=10).json()
        accounts = discover(stack.sandbox_url)
        print(
            f"Sandbox faults {faults}; {len(accounts)} accounts, "
            f"{sum(len(a['devices']) for a in accounts)} devices"
        )

        started = time.perf_counter()
        names = [USERS[number % len(USERS)] for number in range(users)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            signed_in = list(pool.map(lambda name: _try_sign_in(stack, name), names))
        sessions = [session for session in signed_in if isinstance(session, requests.Session)]
        sign_in_errors = [failure for failure in signed_in if isinstance(failure, str)]
        print(
            f"Signed in {len(sessions)}/{users} users in {time.perf_counter() - started:.1f} s"
            + (f"; failures: {Counter(sign_in_errors)}" if sign_in_errors else "")
        )

        records: list[list] = [[] for _ in sessions]
        slots = iter(edit_slots(accounts))
        owned = [
            next(slots, None) if names[number] == "demo" else None
            for number in range(len(sessions))
        ]
        saved: dict = {}
        cpu_before = _cpu(stack)
        began = time.perf_counter()
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=browse,
                args=(stack, session, accounts, args.seed * 1000 + number, deadline),
                kwargs={
                    "max_requests": args.requests,
                    "think": args.think_ms / 1000,
                    "records": records[number],
                    "slot": owned[number],
                    "edit_share": args.edit_share,
                    "saved": saved,
                },
                daemon=True,
            )
            for number, session in enumerate(sessions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + 60)
        elapsed = time.perf_counter() - began
        cpu_after = _cpu(stack)
        stuck = sum(thread.is_alive() for thread in threads)
        for session in sessions:
            session.close()
        lost = lost_edits(stack.sandbox_url, saved)
        log_problems = [
            line
            for line in (stack.dir / "gunicorn.log").read_text().splitlines()
            if any(word in line for word in ("ERROR", "Traceback", "CRITICAL", "TIMEOUT"))
        ]

    results = [record for per_user in records for record in per_user]
    latencies = [record[2] for record in results]
    errors = Counter(str(record[1]) for record in results if is_error(record[1]))
    error_count = sum(errors.values()) + len(sign_in_errors) + stuck
    by_page: dict[str, list] = defaultdict(list)
    for record in results:
        by_page[record[0]].append(record)

    print()
    print(
        f"Requests: {len(results)} in {elapsed:.1f} s = {len(results) / elapsed:.1f} req/s "
        f"(+ {users} sign-ins before the clock started)"
    )
    print(
        f"Errors: {sum(errors.values())}"
        + (f" by status: {dict(errors.most_common())}" if errors else "")
        + (f"; sign-in failures: {len(sign_in_errors)}" if sign_in_errors else "")
        + (f"; client threads still running at the end: {stuck}" if stuck else "")
    )
    edits = [record for record in results if record[0] == "address save"]
    print(
        f"Edits: {len(edits)} saves by {sum(1 for slot in owned if slot)} users, "
        f"{len(saved)} fields saved at least once, lost {len(lost)}"
        + (f": {lost[:5]}" if lost else "")
    )
    statuses = Counter(str(record[1]) for record in results)
    print(f"Statuses: {dict(statuses.most_common())}")
    used = {name: after - cpu_before[name] for name, after in cpu_after.items()}
    used["other processes"] = used.pop("machine") - sum(used.values())
    print(
        "CPU during the run (% of one core): "
        + ", ".join(f"{name} {100 * spent / elapsed:.0f}%" for name, spent in used.items())
        + f" of {100 * (os.cpu_count() or 1)}%; load average at end {os.getloadavg()[0]:.1f}"
    )
    if results:
        print(
            "CPU per request (ms): "
            + ", ".join(
                f"{name} {1000 * used[name] / len(results):.1f}"
                for name in ("dashboard", "sandbox", "clients")
            )
        )
    for failure in FAILURES[:5]:
        print("   client: " + failure)
    if log_problems:
        print(f"gunicorn log: {len(log_problems)} problem lines, the last ones:")
        for line in log_problems[-10:]:
            print("   " + line[:200])

    print()
    print("latency ms, client side (sent -> body read); server = Server-Timing total")
    print(
        f"{'page':<18} {'n':>6} {'errors':>6} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}   "
        f"{'srv p50':>8} {'srv p99':>8}"
    )

    def line(name: str, records_: list) -> str:
        return row(
            name,
            [record[2] for record in records_],
            sum(is_error(record[1]) for record in records_),
            [record[3] for record in records_ if record[3] is not None],
        )

    print(line("all pages", results))
    for page in PAGE_ORDER:
        print(line(page, by_page.get(page, [])))

    p99 = percentile(latencies, 0.99) if latencies else float("inf")
    passed = error_count == 0 and not lost and p99 < BUDGET_P99_MS and bool(results)
    print(
        f"\nBudget: no error and p99 < {BUDGET_P99_MS:.0f} ms with {args.latency_ms:g} ms "
        f"upstream latency: {'PASS' if passed else 'FAIL'} "
        f"(errors {error_count}, lost edits {len(lost)}, p99 {p99:.0f} ms = "
        f"{p99 / BUDGET_P99_MS:.2f}x the budget)"
    )
    summary = {"requests": len(results), "errors": error_count, "edits": len(edits)}
    print("RESULT " + json.dumps({**summary, "lost_edits": len(lost)}))
    return 0 if passed else 1


def _try_sign_in(stack: Stack, username: str) -> requests.Session | str:
    try:
        return stack.sign_in(username)
    except (RuntimeError, requests.RequestException) as exc:
        return str(exc)


def _cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of the dashboard workers, the sandbox and this client process."""
    own = os.times()
    return {
        "dashboard": stack.workers_cpu(),
        "sandbox": cpu_seconds(stack.sandbox.pid),
        "clients": own.user + own.system,
        "machine": machine_busy_seconds(),
    }


if __name__ == "__main__":
    sys.exit(main())
