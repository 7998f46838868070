"""The sandbox's state in SQLite: every upstream object kept whole as its JSON document."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    parent TEXT NOT NULL,
    id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, parent, id)
);
CREATE INDEX IF NOT EXISTS objects_listing ON objects (kind, parent, ord);
CREATE INDEX IF NOT EXISTS objects_by_id ON objects (kind, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires REAL NOT NULL
);
"""

# A row as seed.py builds them: (kind, parent, id, ord, doc). `parent` is the account an object
# belongs to; for an account or a user it is the organisation.
Row = tuple[str, str, str, int, dict]


def dump(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class Store:
    """One SQLite connection shared by all server threads, guarded by a lock."""

    def __init__(self, path: Path | str):
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._depth = 0
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL keeps every commit across a process crash; only power loss can cost one.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and one SQLite transaction; nests (inner blocks join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _run(self, sql: str, params: tuple = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    # objects

    def get_raw(self, kind: str, parent: str, object_id: str) -> str | None:
        row = self._one(
            "SELECT doc FROM objects WHERE kind=? AND parent=? AND id=?", (kind, parent, object_id)
        )
        return row[0] if row else None

    def get(self, kind: str, parent: str, object_id: str) -> dict | None:
        raw = self.get_raw(kind, parent, object_id)
        return json.loads(raw) if raw is not None else None

    def list_raw(self, kind: str, parent: str) -> list[str]:
        rows = self._all(
            "SELECT doc FROM objects WHERE kind=? AND parent=? ORDER BY ord, id", (kind, parent)
        )
        return [row[0] for row in rows]

    def list(self, kind: str, parent: str) -> list[dict]:
        return [json.loads(raw) for raw in self.list_raw(kind, parent)]

    def list_all(self, kind: str) -> list[tuple[str, dict]]:
        rows = self._all("SELECT parent, doc FROM objects WHERE kind=? ORDER BY ord, id", (kind,))
        return [(parent, json.loads(raw)) for parent, raw in rows]

    def ids(self, kind: str, parent: str) -> set[str]:
        rows = self._all("SELECT id FROM objects WHERE kind=? AND parent=?", (kind, parent))
        return {row[0] for row in rows}

    def field(self, kind: str, parent: str, name: str) -> list[tuple[str, object]]:
        """(id, value of top-level field `name`) for every object of a kind, in list order."""
        rows = self._all(
            "SELECT id, json_extract(doc, ?) FROM objects WHERE kind=? AND parent=? ORDER BY ord, id",
            ("$." + json.dumps(name), kind, parent),
        )
        return [(row[0], row[1]) for row in rows]

    def containing(self, kind: str, parent: str, text: str) -> list[dict]:
        """Objects whose stored JSON mentions `text` as a string value (callers confirm)."""
        needle = dump(text)
        rows = self._all(
            "SELECT doc FROM objects WHERE kind=? AND parent=? AND instr(doc, ?) > 0 ORDER BY ord, id",
            (kind, parent, needle),
        )
        return [json.loads(row[0]) for row in rows]

    def find(self, kind: str, name: str, value: str) -> tuple[str, dict] | None:
        """(parent, document) of the first object of a kind whose field `name` equals `value`."""
        row = self._one(
            "SELECT parent, doc FROM objects WHERE kind=? AND json_extract(doc, ?)=?",
            (kind, "$." + json.dumps(name), value),
        )
        return (row[0], json.loads(row[1])) if row else None

    def insert(self, kind: str, parent: str, object_id: str, doc: dict) -> None:
        self._run(
            "INSERT INTO objects (kind, parent, id, ord, doc) VALUES (?, ?, ?, "
            "(SELECT COALESCE(MAX(ord), 0) + 1 FROM objects WHERE kind=? AND parent=?), ?)",
            (kind, parent, object_id, kind, parent, dump(doc)),
        )

    def replace(self, kind: str, parent: str, object_id: str, doc: dict) -> bool:
        changed = self._run(
            "UPDATE objects SET doc=? WHERE kind=? AND parent=? AND id=?",
            (dump(doc), kind, parent, object_id),
        )
        return changed > 0

    def delete(self, kind: str, parent: str, object_id: str) -> bool:
        changed = self._run(
            "DELETE FROM objects WHERE kind=? AND parent=? AND id=?", (kind, parent, object_id)
        )
        return changed > 0

    def delete_account(self, organisation_id: str, account_id: str) -> None:
        with self.transaction():
            self._run("DELETE FROM objects WHERE parent=?", (account_id,))
            self._run(
                "DELETE FROM objects WHERE kind='account' AND parent=? AND id=?",
                (organisation_id, account_id),
            )

    def insert_rows(self, rows: Iterable[Row]) -> None:
        with self.transaction(), self._lock:
            self._conn.executemany(
                "INSERT INTO objects (kind, parent, id, ord, doc) VALUES (?, ?, ?, ?, ?)",
                [(kind, parent, oid, ord_, dump(doc)) for kind, parent, oid, ord_, doc in rows],
            )

    def load(self, rows: list[tuple[str, str, str, int, str]]) -> None:
        """Replace every object with pre-serialised rows, in one transaction (reset and seeding)."""
        with self.transaction(), self._lock:
            self._conn.execute("DELETE FROM objects")
            self._conn.executemany(
                "INSERT INTO objects (kind, parent, id, ord, doc) VALUES (?, ?, ?, ?, ?)", rows
            )

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            row = self._one("SELECT COUNT(*) FROM objects")
        else:
            row = self._one("SELECT COUNT(*) FROM objects WHERE kind=?", (kind,))
        return row[0] if row else 0

    # meta

    def meta_get(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key=?", (key,))
        return row[0] if row else None

    def meta_set(self, key: str, value: str) -> None:
        self._run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # refresh tokens (kept as digests: the store never holds a usable token)

    def add_refresh(self, digest: str, user_id: str, expires: float) -> None:
        self._run(
            "INSERT INTO refresh_tokens (digest, user_id, expires) VALUES (?, ?, ?)",
            (digest, user_id, expires),
        )

    def take_refresh(self, digest: str) -> tuple[str, float] | None:
        """Remove a refresh token and say whose it was: each one works once."""
        with self.transaction():
            row = self._one("SELECT user_id, expires FROM refresh_tokens WHERE digest=?", (digest,))
            if row:
                self._run("DELETE FROM refresh_tokens WHERE digest=?", (digest,))
            return (row[0], row[1]) if row else None

    def peek_refresh(self, digest: str) -> tuple[str, float] | None:
        row = self._one("SELECT user_id, expires FROM refresh_tokens WHERE digest=?", (digest,))
        return (row[0], row[1]) if row else None

    def clear_refresh(self, before: float | None = None) -> None:
        if before is None:
            self._run("DELETE FROM refresh_tokens")
        else:
            self._run("DELETE FROM refresh_tokens WHERE expires < ?", (before,))
