"""The cross-process lock (`callable_admin.locks`), on the suite's database, with real threads
and real processes."""

import json
import subprocess
import sys
import threading

import pytest

from callable_admin import clock
from callable_admin.locks import LockBusy, held
from callable_admin.locks.models import Lock
from tests.served import ROOT, dashboard_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_holder_waits_until_the_first_lets_go():
    events: list[str] = []
    taken, release = threading.Event(), threading.Event()

    def first():
        with held("trunk:a:b"):
            events.append("first took it")
            taken.set()
            release.wait(10)
            events.append("first lets go")

    def second():
        taken.wait(10)
        with held("trunk:a:b", wait=10):
            events.append("second took it")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    [t.start() for t in threads]
    taken.wait(10)
    release.set()
    [t.join(20) for t in threads]
    assert events == ["first took it", "first lets go", "second took it"]
    assert Lock.objects.count() == 0


def test_other_names_do_not_wait():
    with held("trunk:a:b"), held("trunk:a:c", wait=0):
        assert Lock.objects.count() == 2


def test_a_lock_still_held_after_the_wait_is_busy():
    with held("hook:a:b"):
        done = []
        thread = threading.Thread(target=lambda: done.append(_try("hook:a:b", wait=0.2)))
        thread.start()
        thread.join(10)
    assert done == ["busy"]


def _try(name: str, wait: float) -> str:
    try:
        with held(name, wait=wait):
            return "held"
    except LockBusy:
        return "busy"


DIE_HOLDING = """
import os, django
django.setup()
from callable_admin.locks import held
with held("address:a:", hold=30):
    os._exit(0)  # dies holding it: no release
"""


def test_a_lock_whose_holder_died_lapses_after_its_hold(monkeypatch):
    env = dashboard_env("http://127.0.0.1:9")
    subprocess.run([sys.executable, "-c", DIE_HOLDING], env=env, cwd=ROOT, check=True, timeout=60)
    assert Lock.objects.filter(name="address:a:").exists()
    assert _try("address:a:", wait=0) == "busy"
    real = clock.time.time
    monkeypatch.setattr(clock, "now", lambda: real() + 31)
    assert _try("address:a:", wait=0) == "held"


TAKE_TURNS = """
import json, sys, time, django
django.setup()
from callable_admin.locks import held
from callable_admin.locks.models import Lock
overlaps = 0
for _ in range(int(sys.argv[1])):
    with held("trunk:shared:one", wait=30):
        overlaps += Lock.objects.filter(name="trunk:shared:one").count() != 1
        with open(sys.argv[2], "a") as log:
            log.write(sys.argv[3] + " in\\n")
        time.sleep(0.002)  # stays inside a moment, so the other process would overlap
        with open(sys.argv[2], "a") as log:
            log.write(sys.argv[3] + " out\\n")
print(json.dumps({"overlaps": overlaps}))
"""


def test_two_processes_never_hold_the_same_lock_at_once(tmp_path):
    env = dashboard_env("http://127.0.0.1:9")
    log = tmp_path / "turns.log"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TAKE_TURNS, "40", str(log), name],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("one", "two")
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1]) == {"overlaps": 0}
    lines = log.read_text().split("\n")[:-1]
    assert len(lines) == 160
    for entry, leave in zip(lines[::2], lines[1::2], strict=True):
        who = entry.split()[0]
        assert (entry, leave) == (f"{who} in", f"{who} out")  # nobody came in meanwhile
    assert {line.split()[0] for line in lines} == {"one", "two"}
