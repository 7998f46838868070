"""Recording writes: `with audited(request, ...) as entry:` around the upstream call records the
outcome whatever happens, and lets the error rise for its handler."""

import re
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit, urlunsplit

from django.dispatch import Signal

from callable_admin.api.errors import UpstreamError, UpstreamRejected
from callable_admin.audit.models import AuditEntry

# Sent after a write the upstream applied (request, account_id, kind), e.g. to update the
# number directory at once.
write_applied = Signal()

SECRET_FIELDS = {"password", "token", "access_token", "refresh_token", "secret", "authToken"}
# Any field whose name says it holds a credential, however an upstream spells it.
SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)?$|secret|token|api_?key|credential|"
    r"authorization|private_?key|signature|^sig$|^key$",
    re.IGNORECASE,
)
MASK = "•••"


def is_secret(name: object) -> bool:
    return isinstance(name, str) and (name in SECRET_FIELDS or bool(SECRET_NAME.search(name)))


def _redact_url(value: str) -> str:
    """A URL without the password in it or the values of credential-like query parameters."""
    if "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    netloc = parts.netloc
    if password is not None:
        netloc = f"{parts.username}:{MASK}@" + netloc.rsplit("@", 1)[1]
    pieces = parts.query.split("&") if parts.query else []
    query = "&".join(
        f"{piece.split('=', 1)[0]}={MASK}" if is_secret(unquote(piece.split("=", 1)[0])) else piece
        for piece in pieces
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact(name: object, value: object) -> object:
    """`value` of field `name` with every credential in it masked, however deeply nested."""
    if is_secret(name) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return _redact_url(value)
    if isinstance(value, dict):
        return {key: redact(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(name, item) for item in value]
    return value


def changed_fields(before: dict | None, after: dict | None) -> dict:
    """Field → {before, after} for top-level fields that differ; secrets masked."""
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changes[name] = {
                "before": redact(name, before.get(name)),
                "after": redact(name, after.get(name)),
            }
    return changes


def object_name(kind: str, document: dict | None) -> str:
    """How people tell this object from its siblings: a device or account by name, a trunk by
    its description or address, a hook by its URL."""
    document = document or {}
    if kind == "trunk":
        address = ":".join(str(document[f]) for f in ("ip", "port") if document.get(f))
        name = document.get("description") or address
    elif kind == "hook":
        name = redact("url", document.get("url")) or document.get("app")
    else:
        name = document.get("name")
    return str(name or "")[:200]


@contextmanager
def audited(
    request,
    *,
    account_id: str,
    kind: str,
    object_id: str = "",
    action: str,
    before: dict | None = None,
    after: dict | None = None,
):
    entry = AuditEntry(
        user=request.user if request.user.is_authenticated else None,
        username=getattr(request.user, "upstream_username", ""),
        organisation_id=getattr(request.user, "organisation_id", ""),
        account_id=account_id,
        object_kind=kind,
        object_id=object_id or "",
        object_name=object_name(kind, after or before),
        action=action,
        changes=changed_fields(before, after),
        request_id=getattr(request, "request_id", ""),
    )
    try:
        yield entry
    except UpstreamRejected as exc:
        entry.outcome, entry.message = AuditEntry.REFUSED, exc.message[:2000]
        entry.save()
        raise
    except UpstreamError as exc:
        entry.outcome, entry.message = AuditEntry.FAILED, f"{exc.title}: {exc.message}"[:2000]
        entry.save()
        raise
    else:
        entry.outcome = AuditEntry.APPLIED
        entry.save()
        write_applied.send(AuditEntry, request=request, account_id=account_id, kind=kind)
