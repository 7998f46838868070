"""Faults on demand for /api/ paths: latency, failures, hangs, dropped connections, proxy pages."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

COUNTERS = ("fail_next", "hang_next", "drop_next", "non_json_next")
DEFAULTS: dict[str, object] = {
    "latency_ms": 0,
    "jitter_ms": 0,
    "fail_next": 0,
    "fail_rate": 0.0,
    "fail_status": None,  # None: 503 for failures, 502 for proxy pages
    "hang_next": 0,
    "hang_seconds": 60.0,  # longer than any sane client timeout
    "drop_next": 0,
    "non_json_next": 0,
    "method": None,  # one method, or several joined by "|" ("POST|PUT|DELETE": every write)
    "path": None,
    "pass_next": 0,  # let this many matching requests through before any counter applies
}


class FaultSettingsError(ValueError):
    def __init__(self, errors: list[dict]):
        super().__init__("Invalid fault settings")
        self.errors = errors


@dataclass(frozen=True)
class Plan:
    """What to do to one request: wait `delay` seconds, then `action` (None: answer normally)."""

    delay: float = 0.0
    action: str | None = None  # "drop" | "hang" | "non_json" | "fail"
    status: int | None = None
    hang_seconds: float = 0.0


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def check(changes: dict) -> list[dict]:
    """Errors in a POST /_sandbox/faults body; empty when every key is known and sensible."""
    errors = []

    def bad(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    for name, value in changes.items():
        if name not in DEFAULTS:
            bad(name, "is not a fault setting; known: " + ", ".join(DEFAULTS))
        elif name in ("latency_ms", "jitter_ms"):
            if not _number(value) or not 0 <= value <= 600_000:
                bad(name, "must be a number of milliseconds between 0 and 600000")
        elif name == "hang_seconds":
            if not _number(value) or not 0 <= value <= 3600:
                bad(name, "must be a number of seconds between 0 and 3600")
        elif name in (*COUNTERS, "pass_next"):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
                bad(name, "must be a count between 0 and 1000000")
        elif name == "fail_rate":
            if not _number(value) or not 0 <= value <= 1:
                bad(name, "must be a number between 0 and 1")
        elif name == "fail_status":
            valid = isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599
            if value is not None and not valid:
                bad(name, "must be an HTTP status between 400 and 599")
        elif name == "method":
            if value is not None and (
                not isinstance(value, str) or not all(m.isalpha() for m in value.split("|"))
            ):
                bad(name, "must be an HTTP method like GET (or several: POST|PUT), or null for all")
        elif name == "path":
            if value is not None:
                try:
                    re.compile(value)
                except (re.error, TypeError):
                    bad(name, "must be a regular expression searched in the path, or null")
    return errors


class Faults:
    """Current fault settings, changed at run time; thread-safe, counters used up atomically."""

    def __init__(self, initial: dict | None = None, rng: random.Random | None = None):
        initial = dict(initial or {})
        errors = check(initial)
        if errors:
            raise FaultSettingsError(errors)
        self._initial = {**DEFAULTS, **initial}
        self._lock = threading.Lock()
        self._rng = rng or random.Random()
        self._settings: dict = {}
        self._path: re.Pattern | None = None
        self.restore()

    def _apply(self, settings: dict) -> None:
        if isinstance(settings.get("method"), str):
            settings["method"] = settings["method"].upper()
        self._settings = settings
        self._path = re.compile(settings["path"]) if settings["path"] is not None else None

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self._settings)

    def update(self, changes: dict) -> dict:
        errors = check(changes)
        if errors:
            raise FaultSettingsError(errors)
        with self._lock:
            self._apply({**self._settings, **changes})
            return dict(self._settings)

    def clear(self) -> dict:
        """Every fault off, including those given at start."""
        with self._lock:
            self._apply(dict(DEFAULTS))
            return dict(self._settings)

    def restore(self) -> dict:
        """Back to the faults given at start (a reset between tests keeps a latency the run asked for)."""
        with self._lock:
            self._apply(dict(self._initial))
            return dict(self._settings)

    def plan(self, method: str, path: str) -> Plan:
        with self._lock:
            settings = self._settings
            if settings["method"] is not None and method not in settings["method"].split("|"):
                return Plan()
            if self._path is not None and not self._path.search(path):
                return Plan()
            delay = settings["latency_ms"] / 1000
            if settings["jitter_ms"]:
                delay += self._rng.uniform(0, settings["jitter_ms"]) / 1000
            status = settings["fail_status"]
            if settings["pass_next"] > 0:
                settings["pass_next"] -= 1
                return Plan(delay)
            for counter, action, default_status in (
                ("drop_next", "drop", None),
                ("hang_next", "hang", None),
                ("non_json_next", "non_json", 502),
                ("fail_next", "fail", 503),
            ):
                if settings[counter] > 0:
                    settings[counter] -= 1
                    return Plan(
                        delay,
                        action,
                        status or default_status,
                        hang_seconds=float(settings["hang_seconds"]),
                    )
            if settings["fail_rate"] and self._rng.random() < settings["fail_rate"]:
                return Plan(delay, "fail", status or 503)
            return Plan(delay)
