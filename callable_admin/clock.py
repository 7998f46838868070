"""The one clock token logic reads, so tests can move time instead of sleeping."""

import time


def now() -> float:
    return time.time()
