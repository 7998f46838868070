"""What a newcomer meets: installs from the lock, a demo that starts without reinstalling, and a
terminal with one line per request."""

import logging
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import DARREN

ROOT = Path(__file__).resolve().parents[1]


def _locked(name: str) -> dict[str, str]:
    """{package: version} of requirements/<name>.txt, checking that every pin has hashes."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    pins = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[-1]):
        match = re.match(r"([A-Za-z0-9._\[\]-]+)==([^ ;\\\n]+)", entry)
        if match:
            assert "--hash=sha256:" in entry, f"{match.group(1)} is pinned without a hash"
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _wanted() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    main = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return main, dev


@pytest.mark.parametrize("lock", ["main", "dev"])
def test_the_locks_pin_every_dependency_within_pyprojects_ranges(lock):
    main, dev = _wanted()
    pins = _locked(lock)
    for requirement in main + (dev if lock == "dev" else []):
        version = pins.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is not in requirements/{lock}.txt: run bin/lock"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} is outside {requirement.specifier}: run bin/lock"
        )


def test_both_locks_agree_on_every_package_they_share():
    main, dev = _locked("main"), _locked("dev")
    assert {name: dev.get(name) for name in main} == main


def test_every_install_goes_through_the_lock():
    for script in ("bin/demo", "bin/test"):
        text = (ROOT / script).read_text()
        assert "bin/install" in text and "pip install" not in text, script
    assert "--require-hashes -r requirements/main.txt" in (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in (ROOT / "bin/install").read_text()
    ci = (ROOT / ".ci/run").read_text()
    assert "bin/test" in ci and "ruff format --check" in ci


def test_an_unchanged_lock_installs_nothing():
    """bin/test has just installed the dev lock, so installing it again is a no-op: no pip."""
    env = dict(os.environ, PATH="/usr/bin:/bin")  # a pip run would show as its output
    result = subprocess.run(
        ["bin/install", "dev"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_build_leftovers_are_ignored_by_git():
    assert "*.egg-info" in (ROOT / ".gitignore").read_text().split()


def _lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.INFO]


@pytest.mark.django_db
def test_a_page_makes_one_log_line_not_one_per_upstream_call(demo_client, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    response = demo_client.get(f"/accounts/{DARREN}/")
    assert response.status_code == 200
    [line] = _lines(caplog)
    assert line.name == "callable_admin.request"
    assert re.fullmatch(
        rf"GET /accounts/{DARREN}/ 200 \d+ms \(upstream: 6 calls, \d+ms\)", line.getMessage()
    )


@pytest.mark.django_db
def test_a_form_error_is_one_line_not_a_warning(demo_client, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    response = demo_client.post(f"/accounts/{DARREN}/address/", {"line1": ""})
    assert response.status_code == 400
    [line] = _lines(caplog)
    assert line.levelno == logging.INFO and " 400 " in line.getMessage()


@pytest.mark.django_db
def test_a_hostile_path_cannot_forge_a_log_line(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/nothing%0A2026-01-01 INFO forged/")
    [line] = _lines(caplog)
    assert "\n" not in line.getMessage() and "%0A" in line.getMessage()
