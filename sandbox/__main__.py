"""`python -m sandbox [--port 8100] [--host 127.0.0.1] [--data var/sandbox] ...`: run the sandbox."""

from __future__ import annotations

import argparse
import signal
import sys

from sandbox.seed import DEMO_PASSWORD
from sandbox.server import start


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="A standalone Callable REST API for demo and tests."
    )
    parser.add_argument("--port", type=int, default=8100, help="0 picks a free port (default 8100)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--data", default="var/sandbox", help="state directory (default var/sandbox)"
    )
    parser.add_argument(
        "--access-ttl", type=int, help="access token lifetime, s (env SANDBOX_ACCESS_TTL)"
    )
    parser.add_argument(
        "--refresh-ttl", type=int, help="refresh token lifetime, s (env SANDBOX_REFRESH_TTL)"
    )
    parser.add_argument(
        "--created",
        choices=("empty", "body", "location"),
        default="empty",
        help="what a 201 carries (default: empty body, as the provider's page shows)",
    )
    parser.add_argument(
        "--no-refresh-rotation",
        dest="rotate_refresh",
        action="store_false",
        help="a refresh answers with a new access token only; the refresh token stays valid",
    )
    parser.add_argument("--latency-ms", type=float, default=0, help="delay every API request")
    parser.add_argument("--jitter-ms", type=float, default=0, help="plus up to this much at random")
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="fail this share of API requests"
    )
    parser.add_argument("--fail-status", type=int, help="status of injected failures (default 503)")
    parser.add_argument(
        "--hang-seconds", type=float, default=60.0, help="how long a hang fault sleeps"
    )
    parser.add_argument("--reset", action="store_true", help="restore the seeded demo data first")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sandbox = start(
        data_dir=args.data,
        host=args.host,
        port=args.port,
        access_ttl=args.access_ttl,
        refresh_ttl=args.refresh_ttl,
        created=args.created,
        rotate_refresh=args.rotate_refresh,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        fail_rate=args.fail_rate,
        fail_status=args.fail_status,
        hang_seconds=args.hang_seconds,
        reset=args.reset,
        verbose=args.verbose,
    )
    # SIGTERM stops as cleanly as Ctrl-C: the store is closed, nothing half-written.
    signal.signal(signal.SIGTERM, lambda *_: sandbox.stop())
    print(f"Callable sandbox listening on {sandbox.url}  (data: {sandbox.data_dir})", flush=True)
    print(
        f"Sign in: demo / {DEMO_PASSWORD} (OrganisationAdmin, AdminRecorder, VoiceChannel); "
        f"support / {DEMO_PASSWORD} (AdminRecorder, read-only)",
        flush=True,
    )
    print(
        f"API: {sandbox.url}/api/v1/  OpenAPI: {sandbox.url}/api/v1/openapi.json  "
        f"Control: {sandbox.url}/_sandbox/",
        flush=True,
    )
    try:
        sandbox.wait()
    except KeyboardInterrupt:
        sandbox.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
