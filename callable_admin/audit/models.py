import json

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One write attempted through the dashboard, applied or refused. Never holds a secret."""

    APPLIED = "applied"
    REFUSED = "refused"
    FAILED = "failed"
    OUTCOMES = [(APPLIED, "applied"), (REFUSED, "refused"), (FAILED, "failed")]

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    organisation_id = models.CharField(max_length=64)
    account_id = models.CharField(max_length=64, db_index=True)
    object_kind = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64, blank=True)
    object_name = models.CharField(max_length=200, blank=True)  # as people know it, at the time
    action = models.CharField(max_length=16)
    changes = models.JSONField(default=dict)  # field → {"before": …, "after": …}
    outcome = models.CharField(max_length=8, choices=OUTCOMES)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_kind}"

    def object_label(self) -> str:
        """The object as people name it: "trunk 203.0.113.5:5060", "address", "device Main menu"."""
        kind = {"ddi": "number"}.get(self.object_kind, self.object_kind)
        if self.object_name:
            return f"{kind} {self.object_name}"
        return kind

    def change_rows(self) -> list[tuple[str, str, str]]:
        """(field, before, after) as text, for the page and the CSV."""
        return [
            (name, _text(change.get("before")), _text(change.get("after")))
            for name, change in sorted(self.changes.items())
            if isinstance(change, dict)
        ]


def _text(value: object) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
