"""The one rule for credentials shown to a person: the audit log, the hooks pages, the inspector
and every other page that shows upstream values mask them the same way. Pure Python, no Django.

A value is masked when its field is named like a credential (`password`, `authToken`,
`apiKey`, `headers.Authorization`, …, at any depth), when it sits beside a `name`/`key` naming
one (`{"name": "Authorization", "value": "…"}`), and inside URLs: the user-info part
(`https://user:•••@host`) and query parameters named like credentials."""

import re
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "•••"
SECRET_FIELDS = {"password", "token", "access_token", "refresh_token", "secret", "authToken"}
# Any field whose name says it holds a credential, however an upstream spells it.
SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)?$|secret|token|api[_-]?key|credential|cookie|"
    r"authorization|private[_-]?key|signature|^sig$|^key$|^auth$",
    re.IGNORECASE,
)
# {"name": "Authorization", "value": "Bearer …"}: a header or parameter spelled as a pair
_PAIR_NAMES = ("name", "key", "header")
_PAIR_VALUES = ("value", "values")


def is_secret(name: object) -> bool:
    return isinstance(name, str) and (name in SECRET_FIELDS or bool(SECRET_NAME.search(name)))


def mask_url(value: str) -> str:
    """A URL without its user-info secret or the values of credential-like query parameters.
    `user:pass@` keeps the user; a bare `token@` is masked whole (it is the credential)."""
    if "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    netloc = parts.netloc
    if "@" in netloc:
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{parts.username}:{MASK}@{host}" if password is not None else f"{MASK}@{host}"
    pieces = parts.query.split("&") if parts.query else []
    secret_pieces = [is_secret(unquote(piece.split("=", 1)[0])) for piece in pieces]
    if netloc == parts.netloc and not any(secret_pieces):
        return value  # nothing to hide: the URL exactly as it came
    query = "&".join(
        f"{piece.split('=', 1)[0]}={MASK}" if secret else piece
        for piece, secret in zip(pieces, secret_pieces, strict=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def masked(name: object, value: object) -> object:
    """`value` of field `name` with every credential in it masked, however deeply nested.
    The value itself is never changed: a masked copy is returned."""
    if is_secret(name) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, dict):
        pair_name = next((value[k] for k in _PAIR_NAMES if isinstance(value.get(k), str)), None)
        secret_pair = is_secret(pair_name)
        return {
            key: MASK
            if secret_pair and key in _PAIR_VALUES and item not in (None, "")
            else masked(key, item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(name, item) for item in value]
    return value


def masked_document(document: object) -> object:
    """A whole upstream object (a device, a hook, a call body) with its credentials masked."""
    return masked(None, document)


def unmasked(sent: object, real: object) -> object:
    """A value a person sent back from a form that showed it masked, with each mask put back from
    the real value: a masked field left as it was is the real value, a URL keeps its password
    (and its credential query values) where the mask still stands. Anything typed anew stands."""
    if not isinstance(sent, str) or MASK not in sent or real is None:
        return sent
    if sent == masked(None, real) or sent == MASK:
        return real
    if not isinstance(real, str) or "://" not in sent:
        return sent
    try:
        mine, theirs = urlsplit(sent), urlsplit(real)
    except ValueError:
        return sent
    netloc = mine.netloc
    if "@" in netloc and "@" in theirs.netloc:
        userinfo, host = netloc.rsplit("@", 1)
        real_userinfo = theirs.netloc.rsplit("@", 1)[0]
        real_password = real_userinfo.split(":", 1)[1] if ":" in real_userinfo else None
        if userinfo == MASK:
            netloc = f"{real_userinfo}@{host}"
        elif real_password is not None and userinfo == f"{mine.username}:{MASK}":
            netloc = f"{mine.username}:{real_password}@{host}"
    real_query = dict(piece.split("=", 1) for piece in theirs.query.split("&") if "=" in piece)
    query = "&".join(
        f"{key}={real_query[key]}"
        if piece == f"{(key := piece.split('=', 1)[0])}={MASK}" and key in real_query
        else piece
        for piece in (mine.query.split("&") if mine.query else [])
    )
    return urlunsplit((mine.scheme, netloc, mine.path, query, mine.fragment))
