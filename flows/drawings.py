"""The canvas's drawing, kept across requests by what it was drawn from.

Drawing 1,000 devices (parse, validate, layout, SVG) costs many times the upstream read it comes
from; the same devices, numbers, trunks and positions always give the same drawing. So the canvas
page still reads the upstream on every visit (what it shows is never older than the page), but
keys what it drew by a digest of those reads, the pinned positions and the code that draws
(`content_key`), and draws again only when one of them changed.

A big drawing (`FLOW_PARTS_FROM` devices or more) comes in two parts: the page carries the cards
the canvas can show when it opens, and `flow.js` fetches the rest from `flows:drawing_rest` once
the first part is painted. The rest is kept here compressed, under the same key, so that request
reads nothing upstream.

A drawing is shared by everyone who reads the same content: a user is handed the page's drawing
only for a key computed from that user's own reads, just made with that user's own token, so it
shows nothing they have not just read. The rest is handed only to a user whose page was drawn
from that key (`shown`, per user): a key alone opens nothing. Entries live `DRAWING_SECONDS`
(default 600) in the shared cache.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from flows.model.findings import Finding

# Whatever draws is part of the key: a release that draws differently never serves a drawing an
# earlier one kept.
_MODEL = Path(__file__).resolve().parent / "model"
_CODE = hashlib.blake2b(
    b"".join(path.read_bytes() for path in sorted(_MODEL.glob("*.py"))), digest_size=16
).digest()


def content_key(reads: tuple, positions: dict, title: str) -> str:
    """A digest of everything the drawing is made from."""
    digest = hashlib.blake2b(_CODE, digest_size=16)
    digest.update(pickle.dumps((reads, sorted(positions.items()), title), protocol=5))
    return digest.hexdigest()


def parts_from() -> int:
    return settings.FLOW_PARTS_FROM


def _seconds() -> int:
    return settings.DRAWING_SECONDS


@dataclass
class PageDrawing:
    """What the canvas page shows from a drawing: the SVG (whole, or its first part), and the
    findings and numbers of the side panel."""

    svg: str
    findings: list[tuple[Finding, str]]
    counts: dict[str, int]
    ddis: list[tuple[str, str, bool]]
    device_count: int
    in_parts: bool


# One entry of each kind per account (and per user, for `shown`), holding the key it is of: a
# flow that changes often replaces its drawing rather than piling up drawings nobody will ask for
# (the database cache deletes expired rows only once it is full).
def _page_key(account_id: str) -> str:
    return f"drawing:{account_id}"


def _rest_key(account_id: str) -> str:
    return f"drawing-rest:{account_id}"


def _shown_key(account_id: str, user_key: object) -> str:
    return f"drawing-shown:{account_id}:{user_key}"


def shown(account_id: str, user_key: object, key: str) -> None:
    """This user's page was drawn from this key: its rest may be handed to them."""
    cache.set(_shown_key(account_id, user_key), key, _seconds())


def was_shown(account_id: str, user_key: object, key: str) -> bool:
    return cache.get(_shown_key(account_id, user_key)) == key


def _kept(name: str, key: str) -> object | None:
    entry = cache.get(name)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key:
        return entry[1]
    return None


def kept_page(account_id: str, key: str) -> PageDrawing | None:
    packed = _kept(_page_key(account_id), key)
    if packed is None:
        return None
    try:
        return pickle.loads(zlib.decompress(packed))
    except (zlib.error, pickle.UnpicklingError, AttributeError, TypeError):
        return None  # kept by a release whose PageDrawing differed: draw again


def keep_page(account_id: str, key: str, drawing: PageDrawing) -> None:
    # compressed: the database cache base64-encodes what it keeps, and a first part is ~100 KB
    packed = zlib.compress(pickle.dumps(drawing, protocol=5), 1)
    cache.set(_page_key(account_id), (key, packed), _seconds())


def kept_rest(account_id: str, key: str) -> bytes | None:
    """The rest of a drawing, gzip-compressed, as kept by `keep_rest`."""
    return _kept(_rest_key(account_id), key)


def keep_rest(account_id: str, key: str, markup: str) -> bytes:
    packed = gzip.compress(markup.encode(), compresslevel=6, mtime=0)
    cache.set(_rest_key(account_id), (key, packed), _seconds())
    return packed
