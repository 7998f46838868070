"""Finding accounts by a few typed letters: case and accents do not matter ("cafe zoe" finds
"Café Zoë", "MULLER" finds "Müller & Söhne GmbH")."""

import functools
import unicodedata

# Letters NFKD does not split into a base letter and an accent.
_PLAIN = str.maketrans(
    {"ø": "o", "æ": "ae", "ł": "l", "ß": "ss", "đ": "d", "þ": "th", "œ": "oe", "ı": "i"}
)


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """`text` without case or accents, for comparing what was typed with what is stored.
    Kept per process: account lists fold the same names on every page."""
    if text.isascii():
        return text.lower()  # no accents, and ASCII's casefold is lower
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_PLAIN)


def matching_accounts(accounts: list[dict], query: str) -> list[dict]:
    """Accounts whose name or id contains every word of `query`, sorted by name."""
    words = fold(query).split()
    found = []
    for account in accounts:
        folded_name = fold(str(account.get("name") or ""))
        if words:
            haystack = folded_name + " " + fold(str(account.get("id") or ""))
            if not all(word in haystack for word in words):
                continue
        found.append((folded_name, account))
    found.sort(key=lambda pair: (pair[0], str(pair[1].get("id"))))
    return [account for _, account in found]
