from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models

from callable_admin.signin.encryption import EncryptedTextField


class CallableUserManager(BaseUserManager):
    def for_upstream(self, upstream_username: str, organisation: dict) -> "CallableUser":
        user, _ = self.update_or_create(
            upstream_username=upstream_username,
            organisation_id=organisation["id"],
            defaults={"organisation_name": str(organisation.get("name") or "")[:200]},
        )
        return user


class CallableUser(AbstractBaseUser):
    """A local record of one upstream user in one organisation, for Django's auth and the audit
    log. It never holds a password: the upstream checks credentials."""

    upstream_username = models.CharField(max_length=150)
    organisation_id = models.CharField(max_length=64)
    organisation_name = models.CharField(max_length=200, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)

    objects = CallableUserManager()
    USERNAME_FIELD = "id"  # the upstream name is unique only within an organisation
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["upstream_username", "organisation_id"], name="one_user_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.upstream_username

    def get_username(self) -> str:
        return self.upstream_username


class TokenGrant(models.Model):
    """A signed-in session's upstream tokens. Kept out of the Django session on purpose: sessions
    are last-writer-wins, and a slow request saving its session must not restore a rotated-away
    refresh token. Updated only by compare-and-swap on `version`; the tokens are encrypted at
    rest. `refreshing_until` is the row's refresh lease: whoever sets it refreshes, the others
    wait for the row to change (see tokens.py)."""

    user = models.ForeignKey(CallableUser, on_delete=models.CASCADE, related_name="grants")
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    access_token = EncryptedTextField()
    access_expires = models.FloatField()
    refresh_token = EncryptedTextField()
    refresh_expires = models.FloatField(db_index=True)
    roles = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    refreshing_until = models.FloatField(default=0)
    refresh_owner = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"grant {self.pk} of {self.user}"


class KeptForm(models.Model):
    """What a form POST carried when its session had ended, for the user who typed it: put back
    into the form after they sign in again (see kept.py)."""

    user = models.ForeignKey(CallableUser, on_delete=models.CASCADE)
    path = models.CharField(max_length=500)
    fields = models.JSONField(default=list)  # [[name, [values...]], ...] in the order posted
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"form kept for {self.user or 'a signed-out user'} at {self.path}"
