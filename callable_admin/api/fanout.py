"""Threads for a page's parallel reads. A read never waits in a queue behind other requests'
reads: it takes an idle thread, or a new one. Idle threads live on for a while, so their
keep-alive connections (one connection pool per thread) serve the next pages."""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from queue import Empty, SimpleQueue

IDLE_SECONDS = 60.0


class Readers:
    def __init__(self, idle_seconds: float = IDLE_SECONDS):
        self.idle_seconds = idle_seconds
        self._idle: list[_Reader] = []
        self._lock = threading.Lock()

    def submit(self, read: Callable[[], object]) -> Future:
        future: Future = Future()
        with self._lock:
            reader = self._idle.pop() if self._idle else None
        if reader is None:
            reader = _Reader(self)
            reader.start()
        reader.jobs.put((read, future))
        return future

    def _rest(self, reader: "_Reader") -> None:
        with self._lock:
            self._idle.append(reader)

    def _retire(self, reader: "_Reader") -> bool:
        """True if `reader` may end: nobody has just taken it for a job."""
        with self._lock:
            if reader in self._idle:
                self._idle.remove(reader)
                return True
            return False


class _Reader(threading.Thread):
    def __init__(self, pool: Readers):
        super().__init__(name="upstream-read", daemon=True)
        self.pool = pool
        self.jobs: SimpleQueue = SimpleQueue()

    def run(self) -> None:
        while True:
            try:
                read, future = self.jobs.get(timeout=self.pool.idle_seconds)
            except Empty:
                if self.pool._retire(self):
                    return
                continue  # taken for a job at the last moment: it is on its way
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(read())
                except BaseException as exc:
                    future.set_exception(exc)
            del read, future
            self.pool._rest(self)
