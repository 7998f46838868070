"""The number directory: every account of an organisation with its numbers, domain and main
number, read from the upstream (which has no search) so that a search costs no upstream call."""

from django.db import models


class ListedAccount(models.Model):
    organisation_id = models.CharField(max_length=64)
    account_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    folded_name = models.CharField(max_length=200, blank=True)  # search.fold(name)
    domain = models.CharField(max_length=200, blank=True)
    mbn = models.CharField(max_length=32, blank=True)  # main billing number, E.164 digits

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "account_id"], name="one_listing_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.account_id


class ListedNumber(models.Model):
    DDI = "ddi"
    MAIN = "mbn"
    KINDS = [(DDI, "inbound number"), (MAIN, "main billing number")]

    organisation_id = models.CharField(max_length=64)
    account_id = models.CharField(max_length=64)
    number = models.CharField(max_length=32)  # E.164 digits, no "+", as the API lists DDIs
    kind = models.CharField(max_length=3, choices=KINDS)
    ddi_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation_id", "number"])]

    def __str__(self) -> str:
        return self.number


class DirectoryBuild(models.Model):
    """When an organisation's directory was last built, what it cost, and its last failure."""

    organisation_id = models.CharField(max_length=64, unique=True)
    built_at = models.FloatField(null=True)  # clock.now() when the build finished
    seconds = models.FloatField(default=0)
    upstream_calls = models.PositiveIntegerField(default=0)
    accounts = models.PositiveIntegerField(default=0)
    numbers = models.PositiveIntegerField(default=0)
    failed_at = models.FloatField(null=True)
    failure = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"directory of {self.organisation_id}"
