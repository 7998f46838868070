"""Layout (and the SVG drawn from it) never depends on Python's string hashing: the same flow is
laid out alike in fresh interpreters with different PYTHONHASHSEED values."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A synthetic flow plus what stresses set and dict order: many starts, an orphan cycle,
# terminals of several names, short string ids whose hashes vary with the seed.
SCRIPT = """
import hashlib, json
from flows.model.graph import parse
from flows.model.layout import layout
from flows.model.svg import render
from tests.flows.synthetic import make_devices

devices, ddis, trunks = make_devices(300, seed=7)
extra = [
    {"id": f"o{i}", "type": "QUEUE", "name": f"Orphan {i}",
     "queue": {"connectTo": f"o{(i + 1) % 9}", "onTimeout": ["HANGUP", "BUSY", "VOICEMAIL"][i % 3]}}
    for i in range(9)
]
flow = parse(devices + extra, ddis, trunks)
placed = layout(flow, {"o3": {"x": 40, "y": 40}})
print(json.dumps({
    "positions": sorted(placed.positions.items()),
    "order": placed.order,
    "terminals": [[link.source, link.path, x, y] for link, x, y in placed.terminals],
    "size": [placed.width, placed.height],
    "svg": hashlib.sha256(render(flow, placed).encode()).hexdigest(),
}))
"""


def laid_out(seed: str) -> str:
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=environment,
    )
    return result.stdout


def test_layout_and_drawing_are_the_same_whatever_the_hash_seed():
    first, *others = [laid_out(seed) for seed in ("0", "1", "42", "31337")]
    assert '"positions"' in first
    assert all(other == first for other in others)
