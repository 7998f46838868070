"""A session's upstream tokens: fresh before use, refreshed once at a time.

Single flight: a refresh takes a lock in the cache (shared by every process when the cache is
Redis); whoever does not get it waits for the grant's row to change and uses the new token. The
upstream may rotate refresh tokens, so two refreshes with the same token would end the session."""

import logging
import time
import uuid

import jwt
from django.conf import settings
from django.core.cache import cache

from callable_admin import clock
from callable_admin.api.errors import BadCredentials, SessionExpired, UpstreamTimeout
from callable_admin.api.transport import Transport, authorize
from callable_admin.signin.models import CallableUser, TokenGrant

log = logging.getLogger("callable_admin.signin")

LOCK_SECONDS = 20  # longer than one refresh call can take (connect + read timeout)
WAIT_STEP = 0.05


def roles_of(access_token: str) -> list[str]:
    """The roles in the JWT. Read without verifying the signature: we do not hold the issuer's
    key, the token came straight from the issuer, and the upstream still checks every call; the
    roles only decide what to show and what to refuse early."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return []
    roles = (claims.get("realm_access") or {}).get("roles") if isinstance(claims, dict) else None
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def _lifetime(answer: dict, key: str, default: int) -> float:
    value = answer.get(key)
    return float(value) if isinstance(value, int | float) and value > 0 else float(default)


def open_grant(user: CallableUser, answer: dict) -> TokenGrant:
    """Keep the tokens of a password grant for a new session."""
    now = clock.now()
    return TokenGrant.objects.create(
        user=user,
        access_token=answer["access_token"],
        access_expires=now + _lifetime(answer, "expires_in", 300),
        refresh_token=answer.get("refresh_token") or "",
        refresh_expires=now + _lifetime(answer, "refresh_expires_in", 3600),
        roles=roles_of(answer["access_token"]),
    )


class GrantTokens:
    """The token source of one dashboard request (see `callable_admin.api.client.TokenSource`)."""

    def __init__(self, grant_id: int, transport: Transport, grant: TokenGrant | None = None):
        self.grant_id = grant_id
        self.transport = transport
        self._grant = grant

    def _load(self) -> TokenGrant:
        grant = TokenGrant.objects.filter(pk=self.grant_id).first()
        if grant is None:
            raise SessionExpired("Your session has ended.")
        self._grant = grant
        return grant

    def grant(self) -> TokenGrant:
        return self._grant or self._load()

    def _fresh(self, grant: TokenGrant) -> bool:
        return grant.access_expires - clock.now() > settings.TOKEN_REFRESH_MARGIN

    def access_token(self) -> str:
        grant = self.grant()
        if self._fresh(grant):
            return grant.access_token
        return self._refresh(stale_token=grant.access_token)

    def after_rejection(self, rejected_token: str) -> str:
        return self._refresh(stale_token=rejected_token)

    def _refresh(self, stale_token: str) -> str:
        lock_key = f"token-refresh:{self.grant_id}"
        deadline = time.monotonic() + LOCK_SECONDS + 5
        while True:
            grant = self._load()
            if grant.access_token != stale_token and self._fresh(grant):
                return grant.access_token  # someone else refreshed while we waited
            owner = uuid.uuid4().hex
            if cache.add(lock_key, owner, timeout=LOCK_SECONDS):
                try:
                    return self._refresh_holding_lock(stale_token)
                finally:
                    if cache.get(lock_key) == owner:
                        cache.delete(lock_key)
            if time.monotonic() > deadline:
                raise UpstreamTimeout("Waited too long for your sign-in to be renewed.")
            time.sleep(WAIT_STEP)

    def _refresh_holding_lock(self, stale_token: str) -> str:
        grant = self._load()
        if grant.access_token != stale_token and self._fresh(grant):
            return grant.access_token
        if not grant.refresh_token or grant.refresh_expires <= clock.now():
            self.end("the refresh token expired")
        try:
            answer = authorize(self.transport, {"token": grant.refresh_token})
        except BadCredentials:
            self.end("the upstream refused the refresh token")
        now = clock.now()
        updated = TokenGrant.objects.filter(pk=grant.pk, version=grant.version).update(
            access_token=answer["access_token"],
            access_expires=now + _lifetime(answer, "expires_in", 300),
            refresh_token=answer.get("refresh_token") or grant.refresh_token,
            refresh_expires=(now + _lifetime(answer, "refresh_expires_in", 3600))
            if answer.get("refresh_token")
            else grant.refresh_expires,
            roles=roles_of(answer["access_token"]),
            version=grant.version + 1,
        )
        if not updated:
            log.warning("grant %s changed under a held refresh lock", grant.pk)
        log.info("refreshed the tokens of grant %s", grant.pk)
        return self._load().access_token

    def end(self, reason: str):
        log.info("ending grant %s: %s", self.grant_id, reason)
        TokenGrant.objects.filter(pk=self.grant_id).delete()
        raise SessionExpired("Your session has ended. Please sign in again.")
