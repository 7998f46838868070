"""Sign-in: password checks, JWT access tokens signed with the sandbox's key, rotating refresh tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from sandbox.store import Store

ISSUER = "callable-sandbox"
VERIFIED_CACHE_SIZE = 10_000
PASSWORD_ITERATIONS = 1000  # a demo password store: cheap enough that sign-in stays fast in tests


class TokenRejected(Exception):
    """A token the sandbox will not accept; the message says why, for the 401 body."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    roles: tuple[str, ...]
    organisation_id: str


def hash_password(password: str, salt: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PASSWORD_ITERATIONS)
    return f"pbkdf2_sha256${PASSWORD_ITERATIONS}${salt}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, iterations, salt, expected = stored.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def _digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode("utf-8", "surrogatepass")).hexdigest()


class Tokens:
    def __init__(self, store: Store, clock: Callable[[], float]):
        self._store = store
        self._clock = clock
        key = store.meta_get("signing_key")
        if key is None:
            key = secrets.token_hex(32)
            store.meta_set("signing_key", key)
        self._key = bytes.fromhex(key)
        # Access tokens carry the epoch they were issued in; revoking bumps it, so all die at once.
        self._epoch = int(store.meta_get("token_epoch") or 0)
        # Signature checks are the costliest part of a GET; a token's claims never change.
        self._verified: dict[str, tuple[Principal, float, object]] = {}

    def issue(
        self,
        user: dict,
        organisation_id: str,
        access_ttl: int,
        refresh_ttl: int,
        *,
        with_refresh: bool = True,
    ) -> dict:
        now = self._clock()
        issued_at = int(now)
        claims = {
            "iss": ISSUER,
            "sub": user["id"],
            "typ": "Bearer",
            "preferred_username": user["username"],
            "name": user.get("name", user["username"]),
            "realm_access": {"roles": list(user["roles"])},
            "organisationId": organisation_id,
            "iat": issued_at,
            "exp": issued_at + access_ttl,
            "jti": str(uuid.uuid4()),
            "epoch": self._epoch,
        }
        access_token = jwt.encode(claims, self._key, algorithm="HS256")
        answer = {"access_token": access_token, "expires_in": access_ttl, "token_type": "Bearer"}
        if with_refresh:
            refresh_token = secrets.token_urlsafe(32)
            self._store.add_refresh(_digest(refresh_token), user["id"], now + refresh_ttl)
            answer.update(refresh_token=refresh_token, refresh_expires_in=refresh_ttl)
        return answer

    def verify(self, access_token: str) -> Principal:
        checked = self._verified.get(access_token)
        if checked is None:
            checked = self._check_signature(access_token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[access_token] = checked
        principal, expires, epoch = checked
        if self._clock() >= expires:
            raise TokenRejected("Access token expired")
        if epoch != self._epoch:
            raise TokenRejected("Access token revoked")
        return principal

    def _check_signature(self, access_token: str) -> tuple[Principal, float, object]:
        try:
            claims = jwt.decode(
                access_token,
                self._key,
                algorithms=["HS256"],
                issuer=ISSUER,
                # Expiry is judged below against the sandbox's clock, which tests may move.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "iat", "sub"],
                },
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRejected("Invalid access token") from exc
        try:
            roles = tuple(str(role) for role in claims["realm_access"]["roles"])
            principal = Principal(
                user_id=str(claims["sub"]),
                username=str(claims["preferred_username"]),
                roles=roles,
                organisation_id=str(claims["organisationId"]),
            )
            return principal, float(claims["exp"]), claims.get("epoch")
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenRejected("Invalid access token") from exc

    def redeem(self, refresh_token: str, *, use_up: bool = True) -> str:
        """The user id a refresh token was issued to; with `use_up`, the token is used up either
        way (rotation); without, it stays valid until it expires."""
        digest = _digest(refresh_token)
        found = self._store.take_refresh(digest) if use_up else self._store.peek_refresh(digest)
        if found is None:
            raise TokenRejected("Refresh token is not valid")
        user_id, expires = found
        if self._clock() >= expires:
            raise TokenRejected("Refresh token expired")
        return user_id

    def revoke(self, *, access: bool, refresh: bool) -> None:
        if access:
            self._epoch += 1
            self._store.meta_set("token_epoch", str(self._epoch))
        if refresh:
            self._store.clear_refresh()
