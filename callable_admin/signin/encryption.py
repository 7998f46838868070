"""The grant's tokens encrypted at rest with Fernet: a database dump alone gives no working token.

Keys: settings.TOKEN_KEYS (Fernet keys; the first encrypts, every one decrypts), or when that is
empty, keys derived from SECRET_KEY and then each of SECRET_KEY_FALLBACKS. Rotation: put the new
key first, run `manage.py rotate_token_keys`, then drop the old one."""

import base64
import functools
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

log = logging.getLogger("callable_admin.signin")


@functools.lru_cache(maxsize=8)
def derived_key(secret: str) -> bytes:
    """A Fernet key of its own from a Django secret key (never the secret key itself)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"callable-admin tokens")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8", "surrogatepass")))


def _keys() -> tuple[bytes, ...]:
    if settings.TOKEN_KEYS:
        return tuple(k.encode() if isinstance(k, str) else k for k in settings.TOKEN_KEYS)
    return tuple(derived_key(s) for s in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS])


@functools.lru_cache(maxsize=4)
def _cipher(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _cipher(_keys()).encrypt(text.encode("utf-8", "surrogatepass")).decode("ascii")


def decrypt(stored: str) -> str:
    """The token, or "" when no key opens it (keys changed): the session then ends."""
    if not stored:
        return ""
    try:
        return _cipher(_keys()).decrypt(stored.encode("ascii")).decode("utf-8", "surrogatepass")
    except (InvalidToken, UnicodeEncodeError):
        log.warning("a stored token could not be decrypted with the configured keys")
        return ""


class EncryptedTextField(models.TextField):
    """Text encrypted on its way into the database and decrypted on its way out. Lookups on it
    never match (each encryption differs), so nothing filters on it."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
