"""Recording writes: `with audited(request, ...) as entry:` around the upstream call records the
outcome whatever happens, and lets the error rise for its handler."""

from contextlib import contextmanager

from django.dispatch import Signal

from callable_admin.api.errors import UpstreamError, UpstreamRejected
from callable_admin.audit.models import AuditEntry
from callable_admin.masking import masked

# Sent after a write the upstream applied (request, account_id, kind), e.g. to update the
# number directory at once.
write_applied = Signal()


def changed_fields(before: dict | None, after: dict | None) -> dict:
    """Field → {before, after} for top-level fields that differ; secrets masked."""
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changes[name] = {
                "before": masked(name, before.get(name)),
                "after": masked(name, after.get(name)),
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
        name = masked("url", document.get("url")) or document.get("app")
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
