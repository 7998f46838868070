"""The account overview against one upstream call, with upstream latency injected.

    .venv/bin/python bench/overview.py [--latency-ms 100] [--runs 10] [--account <id>]

The overview needs six independent upstream reads (account, address, DDIs, trunks, hooks,
devices). Read one after another they would cost six round trips; read at once, about one.
Budget (design.md): with 100 ms of upstream latency the overview answers within 1.5x a single
upstream call measured in the same run.

Starts its own sandbox in-process (temporary data dir) with the latency injected on every API
call, and drives the dashboard in-process with Django's test client on a temporary SQLite
database, signed in as `demo`. The baseline is one GET of the account through the dashboard's
own upstream transport (same keep-alive pool, same token), so both sides pay the same HTTP costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DARREN = "5554872eb0731b38efa4d444"


def timed(action) -> float:
    """Milliseconds one call of `action` took."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--account", default=DARREN)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here
    from sandbox.server import start

    with tempfile.TemporaryDirectory(prefix="bench-overview-") as scratch:
        sandbox = start(data_dir=Path(scratch) / "sandbox", port=0, latency_ms=args.latency_ms)
        try:
            os.environ.update(
                {
                    "DJANGO_SETTINGS_MODULE": "callable_admin.settings",
                    "CALLABLE_API_URL": sandbox.url,
                    "DATABASE_URL": f"sqlite:///{scratch}/dashboard.sqlite3",
                    "CACHE_URL": "locmemcache://bench",
                    "HTTPS_ONLY": "false",
                    "MANIFEST_STATIC": "false",
                    "LOG_LEVEL": "WARNING",
                }
            )
            import django

            django.setup()
            from django.core.management import call_command
            from django.test import Client
            from django.test.utils import setup_test_environment

            from callable_admin.api.client import transport
            from callable_admin.api.transport import api_path
            from callable_admin.signin.models import TokenGrant

            setup_test_environment()
            call_command("migrate", verbosity=0)
            client = Client()
            signed_in = client.post("/login/", {"username": "demo", "password": "1234"})
            assert signed_in.status_code == 302, signed_in.status_code
            token = TokenGrant.objects.get().access_token
            overview_path = f"/accounts/{args.account}/"

            def overview():
                response = client.get(overview_path)
                assert response.status_code == 200, response.status_code
                assert 'desc="6 calls"' in response["Server-Timing"], response["Server-Timing"]

            def one_call():
                transport().request("GET", api_path("account", args.account), token=token)

            for _ in range(2):  # warm up: connections open, templates compiled
                one_call()
                overview()
            # Interleaved, so a burst of machine noise falls on both sides alike.
            single, page = [], []
            for _ in range(args.runs):
                single.append(timed(one_call))
                page.append(timed(overview))
        finally:
            sandbox.stop()

    single_ms, page_ms = statistics.median(single), statistics.median(page)
    ratio = page_ms / single_ms
    print(
        f"$ .venv/bin/python bench/overview.py --latency-ms {args.latency_ms:g} --runs {args.runs}"
    )
    print(f"upstream latency injected   {args.latency_ms:.0f} ms on every API call")
    print(
        f"one upstream call (GET account)   median {single_ms:7.1f} ms   "
        f"min {min(single):7.1f}   max {max(single):7.1f}"
    )
    print(
        f"account overview (6 reads)        median {page_ms:7.1f} ms   "
        f"min {min(page):7.1f}   max {max(page):7.1f}"
    )
    print(
        f"overview / one call               {ratio:.2f}x   (budget 1.50x: "
        f"{'met' if ratio <= 1.5 else 'MISSED'})"
    )
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
