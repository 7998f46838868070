"""A short run of bench/load.py (the README quotes its long runs): a few users browsing and
saving edits through two gunicorn workers for a few seconds. No error, no lost edit; its
timings are the bench's business, not the suite's."""

import json
import subprocess
import sys

from tests.served import ROOT


def test_a_short_load_run_has_no_error_and_loses_no_edit():
    command = [sys.executable, "bench/load.py", "--seconds", "3", "--users", "6"]
    command += ["--latency-ms", "5", "--edit-share", "0.6"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    [line] = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    assert outcome["errors"] == 0 and outcome["lost_edits"] == 0, result.stdout
    assert outcome["requests"] > 0 and outcome["edits"] > 0, result.stdout
