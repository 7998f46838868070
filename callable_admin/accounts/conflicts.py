"""Nobody overwrites a colleague blindly.

An edit form carries, signed, the values it was rendered from (the *original*). On save the
current upstream object is read again and merged three ways, field by field:

- only I changed it: my value is sent;
- only they changed it (or nobody did): their current value is kept;
- we both changed it, to different values: a conflict, for the user to settle.

Everything the form does not show is taken from the current object, untouched."""

from dataclasses import dataclass, field

from django.core import signing

from callable_admin.masking import masked


class _Absent:
    """A field the object does not have (JSON-null and "" count as blank too)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()
_SALT = "callable_admin.accounts.original"


@dataclass
class Original:
    account_name: str
    values: dict | None  # the form's fields as rendered; None for a create form


@dataclass
class Merge:
    document: dict  # the current object with my changes applied
    conflicts: list[str]  # fields we both changed, to different values
    current: dict
    not_kept: list[str] = field(default_factory=list)  # written, but read back otherwise


def _salt(kind: str, account_id: str, object_id: str) -> str:
    # Bound to one object, so an original cannot be replayed onto another.
    return f"{_SALT}:{kind}:{account_id}:{object_id}"


def sign_original(
    kind: str, account_id: str, object_id: str, account_name: str, values: dict | None
) -> str:
    payload = {"a": account_name, "v": values}
    return signing.dumps(payload, salt=_salt(kind, account_id, object_id), compress=True)


def read_original(token: str | None, kind: str, account_id: str, object_id: str) -> Original | None:
    """The signed original, or None if it is missing or was altered."""
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=_salt(kind, account_id, object_id))
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    values = payload.get("v")
    return Original(str(payload.get("a") or ""), values if isinstance(values, dict) else None)


def blank(value: object) -> bool:
    return value is ABSENT or value is None or value == ""


def same(one: object, other: object) -> bool:
    """Equal as a person reading the form would judge: absent, null and "" are all blank."""
    return (blank(one) and blank(other)) or (not blank(one) and one == other)


def _shown(name: str, value: object) -> object:
    return value if value is ABSENT else masked(name, value)


def merge(current: dict, original: dict | None, mine: dict, changed: set[str]) -> Merge:
    """Apply my `changed` fields of `mine` to the `current` object. `original` None means the
    form's origin is unknown: every field where mine differs from current must be confirmed."""
    document = dict(current)
    conflicts = []
    for name, value in mine.items():
        theirs = current.get(name, ABSENT)
        if original is None:
            i_changed, they_changed = not same(value, theirs), True
        else:
            i_changed = name in changed
            # the original is what the form showed: credentials masked, so compare as shown
            they_changed = not same(_shown(name, theirs), original.get(name, ABSENT))
        if not i_changed or same(value, theirs):
            continue  # untouched, or we both arrived at the same value: theirs stands
        if they_changed:
            conflicts.append(name)
        elif value is ABSENT:
            document.pop(name, None)
        else:
            document[name] = value
    return Merge(document, conflicts, current)


def not_kept(written: dict, after: dict, names: list[str]) -> list[str]:
    """Fields among `names` whose value read back after a write is not the value written."""
    return [name for name in names if not same(after.get(name, ABSENT), written.get(name, ABSENT))]
