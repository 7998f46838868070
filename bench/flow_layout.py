"""Flow model costs on synthetic accounts of 100, 1,000 and 2,000 devices.

    .venv/bin/python bench/flow_layout.py [--runs 7]

Prints, per size, the median of several runs of parse + validate, layout and render (ms), with
the fastest run beside it, the SVG's size raw and gzip-compressed (KB), and the 1,000/100 and
2,000/1,000 ratios of the medians: these machines are noisy, so the ratios measured in one run
are the figures to quote (and the fastest runs say what the code costs on a quiet machine).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.model.findings import validate  # noqa: E402
from flows.model.graph import parse  # noqa: E402
from flows.model.layout import layout  # noqa: E402
from flows.model.svg import render  # noqa: E402
from tests.flows.synthetic import make_devices  # noqa: E402

SIZES = (100, 1000, 2000)


def timed_ms(action, runs: int) -> tuple[float, float]:
    """(median, fastest) of `runs` runs, in milliseconds."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), min(times)


def measure(size: int, runs: int) -> dict[str, object]:
    devices, ddis, trunks = make_devices(size)
    flow = parse(devices, ddis, trunks)
    findings = validate(flow)
    placed = layout(flow)
    svg = render(flow, placed, findings)
    return {
        "devices": len(flow.devices),
        "links": len(flow.links),
        "parse+validate": timed_ms(lambda: validate(parse(devices, ddis, trunks)), runs),
        "layout": timed_ms(lambda: layout(flow), runs),
        "render": timed_ms(lambda: render(flow, placed, findings), runs),
        "svg KB": len(svg.encode()) / 1024,
        "gzip KB": len(gzip.compress(svg.encode())) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    # one warm-up pass so the first size does not pay for imports and caches
    measure(100, 1)
    results = {size: measure(size, runs) for size in SIZES}
    steps = ("parse+validate", "layout", "render")
    print(
        f"{'devices':>8}{'links':>7}"
        + "".join(f"{step + ' ms':>22}" for step in steps)
        + f"{'svg KB':>9}{'gzip KB':>9}"
    )
    for figures in results.values():
        print(
            f"{figures['devices']:>8}{figures['links']:>7}"
            + "".join(f"{figures[step][0]:>13.1f} ({figures[step][1]:5.1f})" for step in steps)
            + f"{figures['svg KB']:>9.0f}{figures['gzip KB']:>9.1f}"
        )
    print(f"\nmedian (fastest) of {runs} runs")
    for step in steps:
        small, mid, large = (results[size][step][0] for size in SIZES)
        print(f"{step:>16}: 1,000/100 = {mid / small:4.1f}x   2,000/1,000 = {large / mid:4.1f}x")


if __name__ == "__main__":
    main()
