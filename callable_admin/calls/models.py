from django.conf import settings
from django.db import models


class PlacedCall(models.Model):
    """One call this dashboard asked the Callable API to place: who, when, the body sent and what
    the upstream answered. Kept whatever the outcome, so a refused call can be fixed and sent
    again."""

    APPLIED = "applied"
    REFUSED = "refused"
    FAILED = "failed"
    OUTCOMES = [(APPLIED, "placed"), (REFUSED, "refused"), (FAILED, "failed")]

    account_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    request_body = models.JSONField()
    outcome = models.CharField(max_length=8, choices=OUTCOMES)
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    call_id = models.CharField(max_length=64, blank=True)  # the upstream's id, when it named one
    answer = models.JSONField(null=True, blank=True)  # the 201's body, or a refusal's field errors
    message = models.TextField(blank=True)  # the upstream's message when it refused or failed
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account_id", "-at"], name="calls_by_account")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.outcome} call on {self.account_id}"
