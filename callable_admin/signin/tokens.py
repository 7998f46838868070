"""A session's upstream tokens: fresh before use, refreshed once at a time.

Single flight: a refresh first takes a lease on the grant's own database row (one conditional
UPDATE, atomic on SQLite and PostgreSQL alike, so it holds across every thread and process with
no shared cache); whoever does not get it waits for the row to change and uses the new token.
No transaction stays open during the upstream call, so a slow refresh blocks no other writer.
The upstream may rotate refresh tokens, so two refreshes with the same token would end the
session."""

import logging
import time
import uuid

import jwt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone

from callable_admin import clock
from callable_admin.api.errors import BadCredentials, SessionExpired, UpstreamTimeout
from callable_admin.api.transport import Transport, authorize
from callable_admin.signin.models import CallableUser, TokenGrant

log = logging.getLogger("callable_admin.signin")

LEASE_SECONDS = 20  # longer than one refresh call can take (connect + read timeout)
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


def open_grant(user: CallableUser, answer: dict, session_key: str) -> TokenGrant:
    """Keep the tokens of a password grant for a new session."""
    now = clock.now()
    return TokenGrant.objects.create(
        user=user,
        session_key=session_key or "",
        access_token=answer["access_token"],
        access_expires=now + _lifetime(answer, "expires_in", 300),
        refresh_token=answer.get("refresh_token") or "",
        refresh_expires=now + _lifetime(answer, "refresh_expires_in", 3600),
        roles=roles_of(answer["access_token"]),
    )


def purge_ended_grants() -> int:
    """Grants whose refresh token has died or whose session has ended (expired, flushed or never
    saved). One indexed DELETE, run at each sign-in."""
    live_sessions = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    ended = Q(refresh_expires__lte=clock.now()) | ~Q(session_key__in=live_sessions)
    return TokenGrant.objects.filter(ended).delete()[0]


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
        deadline = time.monotonic() + LEASE_SECONDS + 5
        while True:
            grant = self._load()
            if grant.access_token != stale_token and self._fresh(grant):
                return grant.access_token  # someone else refreshed while we waited
            now = clock.now()
            if grant.refreshing_until <= now:
                owner = uuid.uuid4().hex
                taken = TokenGrant.objects.filter(
                    pk=self.grant_id, refreshing_until__lte=now
                ).update(refreshing_until=now + LEASE_SECONDS, refresh_owner=owner)
                if taken:
                    try:
                        return self._refresh_holding_lease(stale_token, owner)
                    finally:
                        TokenGrant.objects.filter(pk=self.grant_id, refresh_owner=owner).update(
                            refreshing_until=0, refresh_owner=""
                        )
            if time.monotonic() > deadline:
                raise UpstreamTimeout("Waited too long for your sign-in to be renewed.")
            time.sleep(WAIT_STEP)

    def _refresh_holding_lease(self, stale_token: str, owner: str) -> str:
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
        rotated = isinstance(answer.get("refresh_token"), str) and answer["refresh_token"]
        # Compare-and-swap: a grant someone else changed meanwhile (signed out, or refreshed
        # after our lease ran out) is not overwritten; their version stands.
        updated = TokenGrant.objects.filter(
            pk=grant.pk, version=grant.version, refresh_owner=owner
        ).update(
            access_token=answer["access_token"],
            access_expires=now + _lifetime(answer, "expires_in", 300),
            # An upstream that does not rotate keeps the refresh token, and its expiry, we had.
            refresh_token=answer["refresh_token"] if rotated else grant.refresh_token,
            refresh_expires=(now + _lifetime(answer, "refresh_expires_in", 3600))
            if rotated
            else grant.refresh_expires,
            roles=roles_of(answer["access_token"]),
            version=grant.version + 1,
            refreshing_until=0,
            refresh_owner="",
        )
        if not updated:
            log.warning("grant %s changed during its refresh; keeping the other change", grant.pk)
            current = self._load()
            if not current.access_token:
                self.end("the grant's tokens cannot be read")
            return current.access_token if self._fresh(current) else answer["access_token"]
        log.info("refreshed the tokens of grant %s", grant.pk)
        return answer["access_token"]

    def end(self, reason: str):
        log.info("ending grant %s: %s", self.grant_id, reason)
        TokenGrant.objects.filter(pk=self.grant_id).delete()
        raise SessionExpired("Your session has ended. Please sign in again.")
