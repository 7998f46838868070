from django.db import models


class DevicePosition(models.Model):
    """Where a person put a device on an account's canvas; overrides the computed layout. The
    upstream has no place for it, so it lives here."""

    account_id = models.CharField(max_length=64)
    device_id = models.CharField(max_length=64)
    x = models.IntegerField()
    y = models.IntegerField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account_id", "device_id"], name="one_position_per_device")
        ]

    def __str__(self) -> str:
        return f"{self.device_id} at {self.x},{self.y}"

    @classmethod
    def pinned(cls, account_id: str) -> dict[str, tuple[int, int]]:
        rows = cls.objects.filter(account_id=account_id).values_list("device_id", "x", "y")
        return {device_id: (x, y) for device_id, x, y in rows}
