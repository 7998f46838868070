"""Upstream text made safe to show: bidi controls that could make `evil/\u202egnp.exe` read as
`evil/exe.png`, and lone surrogates UTF-8 cannot encode. Pure Python, no Django."""

import re

# embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they reorder what
# follows them; the marks (LRM, RLM, ALM) only nudge neutral characters and are left alone
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# anything that gives text a direction of its own: right-to-left letters, marks and controls
RIGHT_TO_LEFT = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
SHOWN_INSTEAD = "\ufffd"


def has_bidi_controls(text: str) -> bool:
    return BIDI_CONTROLS.search(text) is not None


def needs_isolation(text: str) -> bool:
    """Whether the text could reorder what surrounds it (plain left-to-right text cannot)."""
    return RIGHT_TO_LEFT.search(text) is not None


def without_bidi_controls(text: str) -> str:
    """The text with each reordering control replaced by U+FFFD: shown where it was, inert."""
    return BIDI_CONTROLS.sub(SHOWN_INSTEAD, text)


def valid_text(value: object) -> object:
    """A JSON value with every lone surrogate (a valid JSON escape, but no character) replaced
    by U+FFFD, keys included, however deeply nested. Other values come back unchanged."""
    if isinstance(value, str):
        return LONE_SURROGATES.sub(SHOWN_INSTEAD, value)
    if isinstance(value, dict):
        return {valid_text(key): valid_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [valid_text(item) for item in value]
    return value
