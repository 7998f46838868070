"""The flow editor at 1,000 devices: each interaction against serving the whole canvas as a redraw.

    LOCAL_SECRET_KEY=1 .venv/bin/python bench/editor.py [--devices 1000] [--runs 9]

One run: starts a sandbox in this process (temporary data dir), has it build a synthetic account
(`POST /_sandbox/accounts`), configures Django on a temporary SQLite database pointed at that
sandbox, signs in as demo with Django's test client, opens the editor once (the draft starts:
the only upstream reads of the editor), then times, median of several runs after a warm-up, each
HTMX interaction of issue 9 §5 (edit a field, connect, move, add, delete, undo) against the
baseline: the editor's own whole page (`GET /accounts/<id>/flow/edit/`, not HTMX) right after a
move of one card, so the draft's version changed and nothing kept for the previous version can
be reused: what answering an edit with the whole canvas would cost. Only the GET is timed, not
the move before it. The read-only canvas page (`GET /accounts/<id>/flow/`, which may be served
from a render cache on a repeat visit) is timed too and printed for reference only.

For each: the server time (Server-Timing total), its upstream calls, and the answer's size raw
and gzip-compressed (as a browser asks). Budgets: an interaction answers under 10 KB compressed
(aim 2 KB) in at most a fifth of the whole editor page's server time, with no upstream call. The
load average is printed beside: these machines are noisy.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flow_page import configure_django  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_ENCODING": "gzip"}


def server_timing(header: str) -> tuple[float, int]:
    calls = re.search(r'desc="(\d+) calls"', header)
    total = re.search(r"total;dur=([\d.]+)", header)
    return float(total.group(1)), int(calls.group(1)) if calls else 0


def timed(response) -> dict:
    assert response.status_code in (200, 204), (response.status_code, response.content[:300])
    total, calls = server_timing(response["Server-Timing"])
    body = response.content
    raw = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
    return {"ms": total, "calls": calls, "raw": len(raw), "gzip": len(gzip.compress(raw))}


def summary(samples: list[dict]) -> dict:
    return {
        "ms": statistics.median(s["ms"] for s in samples),
        "calls": max(s["calls"] for s in samples),
        "raw": statistics.median(s["raw"] for s in samples),
        "gzip": statistics.median(s["gzip"] for s in samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    from sandbox.server import start

    with tempfile.TemporaryDirectory(prefix="editor-bench-") as work_dir:
        sandbox = start(data_dir=Path(work_dir) / "sandbox", port=0)
        try:
            answer = requests.post(
                f"{sandbox.url}/_sandbox/accounts",
                json={"name": f"Bench {args.devices}", "devices": args.devices},
                timeout=60,
            )
            answer.raise_for_status()
            account = answer.json()["id"]
            configure_django(sandbox.url, work_dir)
            results = run(account, args.runs)
        finally:
            sandbox.stop()
    report(results, args)


def run(account: str, runs: int) -> dict[str, dict]:
    from django.test import Client

    from flows import drafts
    from flows.models import Draft

    client = Client()
    assert client.post("/login/", {"username": "demo", "password": "1234"}).status_code == 302
    canvas = f"/accounts/{account}/flow/"
    edit = f"{canvas}edit/"
    assert client.get(edit).status_code == 200  # the draft starts: the editor's only reads
    row = Draft.objects.get(account_id=account)
    state = drafts.load(row.user, account).state
    gateways = [i for i, d in state.devices.items() if d.get("type") == "SIP_GATEWAY"]
    others = [i for i in state.devices if i not in gateways]
    gateway = gateways[0]
    x, y = state.positions[gateway]

    def page():
        return timed(client.get(canvas, HTTP_ACCEPT_ENCODING="gzip"))

    def post(path: str, data: dict):
        return timed(client.post(edit + path, data, **HTMX))

    def redraw(step: int):
        # a card moved first (not timed): the draft's version changed, nothing can be reused
        mover = others[-1 - step % 2]
        mx, my = state.positions[mover]
        moved = client.post(f"{edit}devices/{mover}/move/", {"x": mx + 24 * (step % 3), "y": my})
        assert moved.status_code == 302, moved.status_code
        return timed(client.get(edit, HTTP_ACCEPT_ENCODING="gzip"))

    results: dict[str, list[dict]] = {name: [] for name in INTERACTIONS}
    results[BASELINE] = []
    results[REFERENCE] = []
    page()  # warm-up
    redraw(-1)
    post(f"devices/{gateway}/", {"name": "warm-up"})
    for step in range(runs):
        results[REFERENCE].append(page())
        results[BASELINE].append(redraw(step))
        results["edit a field"].append(post(f"devices/{gateway}/", {"name": f"Renamed {step}"}))
        target = others[step % len(others)]
        results["connect"].append(
            post("connect/", {"from": gateway, "port": "sipGateway.onBusy", "to": target})
        )
        results["move"].append(
            post(f"devices/{gateway}/move/", {"x": x + 24 * (step % 2 + 1), "y": y})
        )
        added = client.post(edit + "devices/new/", {"type": "SIP_GATEWAY", "name": "New"}, **HTMX)
        results["add"].append(timed(added))
        new_id = re.search(r'"select": "([^"]+)"', added["HX-Trigger-After-Settle"]).group(1)
        results["delete"].append(post(f"devices/{new_id}/delete/", {}))
        results["undo"].append(post("undo/", {}))
    return {name: summary(samples) for name, samples in results.items()}


INTERACTIONS = ("edit a field", "connect", "move", "add", "delete", "undo")
BASELINE = "editor page"
REFERENCE = "canvas page"


def report(results: dict[str, dict], args) -> None:
    base = results[BASELINE]["ms"]
    load = os.getloadavg()
    print(
        f"{args.devices} devices; median of {args.runs} runs after a warm-up; server time from "
        "Server-Timing; sizes of the answer body, gzip as a browser asks"
    )
    print(
        f"baseline: {BASELINE} = GET flow/edit/ (whole page) right after a move of one card "
        f"(only the GET timed); {REFERENCE} = GET flow/ (read-only, for reference)"
    )
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores shared)\n")
    print(f"{'':16}{'ms':>9}{'x page':>10}{'upstream':>10}{'raw KB':>9}{'gzip KB':>9}")
    worst_ratio, worst_kb, calls = 0.0, 0.0, 0
    for name in (*INTERACTIONS, BASELINE, REFERENCE):
        figures = results[name]
        ratio = figures["ms"] / base
        print(
            f"{name:16}{figures['ms']:9.1f}{ratio:10.2f}{figures['calls']:10d}"
            f"{figures['raw'] / 1024:9.1f}{figures['gzip'] / 1024:9.1f}"
        )
        if name in INTERACTIONS:
            worst_ratio = max(worst_ratio, ratio)
            worst_kb = max(worst_kb, figures["gzip"] / 1024)
            calls += figures["calls"]
    print()
    print(
        f"  [{'ok' if worst_ratio <= 0.2 else 'MISSED':>6}] slowest interaction "
        f"{worst_ratio:.2f}x the {BASELINE} after a move (budget 0.20x)"
    )
    print(
        f"  [{'ok' if worst_kb < 10 else 'MISSED':>6}] largest answer {worst_kb:.1f} KB "
        f"compressed (budget 10, aim 2)"
    )
    print(f"  [{'ok' if calls == 0 else 'MISSED':>6}] upstream calls during interactions: {calls}")


if __name__ == "__main__":
    main()
