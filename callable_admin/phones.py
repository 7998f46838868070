"""Phone numbers as people read and type them, and as the API writes them (E.164), with
Google's numbering data (`phonenumbers`)."""

import functools
import re

import phonenumbers
from django.conf import settings

from callable_admin.accounts.countries import COUNTRIES_BY_CODE
from callable_admin.accounts.search import fold

# What a person may type around the digits of a number: spaces, dots, dashes, brackets.
TYPED_NUMBER = re.compile(r"\+?\(?[0-9][0-9 ().\-/]*")
_REGION_BY_COUNTRY_NAME = {fold(name): code for code, name in COUNTRIES_BY_CODE.items()}
_REGION_BY_COUNTRY_NAME.update({"uk": "GB", "great britain": "GB", "usa": "US"})


def _parsed(number: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def looks_like_number(text: str) -> bool:
    """Typed text that is a phone number or part of one, not a name ("01234 567890")."""
    text = text.strip()
    return bool(TYPED_NUMBER.fullmatch(text)) and len(digits(text)) >= 4


def e164(text: str, region: str | None = None) -> str | None:
    """`text` as the API writes a number (`+441234567890`), or None if it is not one.

    A leading + or 00 means international; a national number (`01234 567890`) is read in
    `region`; bare digits that form a whole international number (`441234567890`) are one."""
    text = text.strip()
    if not looks_like_number(text):
        return None
    region = region or settings.PHONE_REGION
    if text.startswith("00"):
        text = "+" + text[2:]
    candidates = [text] if text.startswith("+") else []
    if not text.startswith("+"):
        if not text.startswith("0"):
            candidates.append("+" + digits(text))
        candidates.append(text)
    for candidate in candidates:
        parsed = _parsed(candidate, region)
        if parsed is not None and phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def readable(number: object) -> str:
    """A number as people read it (`+44 1234 567890`); anything else as it came."""
    text = "" if number is None else str(number).strip()
    if not text or not looks_like_number(text):
        return text
    return _readable(text)


@functools.lru_cache(maxsize=8192)
def _readable(text: str) -> str:
    """Kept per process: lists show the same numbers on every page (Google's data is fixed)."""
    try:
        parsed = phonenumbers.parse("+" + digits(text), None)
    except phonenumbers.NumberParseException:
        return text
    if phonenumbers.region_code_for_country_code(parsed.country_code) == "ZZ":
        return text
    # A number Google's data does not know still reads better with its country code apart.
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region_of(number: object) -> str | None:
    """The country (ISO code) of an international number, e.g. `GB` for 441234567890."""
    parsed = _parsed("+" + digits(str(number or "")), None)
    return phonenumbers.region_code_for_number(parsed) if parsed is not None else None


def region_for_country(name: object) -> str | None:
    """The ISO code of an address's country name ("United Kingdom" → GB)."""
    return _REGION_BY_COUNTRY_NAME.get(fold(str(name or "")).strip())
