import json

from django.conf import settings
from django.db import models


class JSONText(models.TextField):
    """JSON kept as the text we wrote: PostgreSQL's jsonb would sort each object's keys, and a
    draft's devices go back upstream byte for byte as they came (callable-api.md)."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        # ASCII escapes: a NUL or any other character survives every database as text
        return None if value is None else json.dumps(value, separators=(",", ":"))


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
            models.UniqueConstraint(
                fields=["account_id", "device_id"], name="one_position_per_device"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id} at {self.x},{self.y}"

    @classmethod
    def pinned(cls, account_id: str) -> dict[str, tuple[int, int]]:
        rows = cls.objects.filter(account_id=account_id).values_list("device_id", "x", "y")
        return {device_id: (x, y) for device_id, x, y in rows}


class Draft(models.Model):
    """One admin's unpublished changes to one account's flow (`flows.model.draft.DraftState` as
    JSON), kept here until published or discarded: it survives reloads, sign-out and restarts.
    The columns hold the state as of its last whole save; the editor's steps since then are
    `DraftStep` rows, replayed on loading (one small row per edit, not a megabyte of devices)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    account_id = models.CharField(max_length=64)
    # the upstream's device list when the draft began or was last rebased, exactly as sent
    base = JSONText()
    # the draft's devices, in list order (new ones at the end), each a whole upstream object
    devices = JSONText()
    # device id -> [x, y]: every card pinned when the draft starts, so an edit moves no other card
    positions = JSONText(default=dict)
    # the account's DDIs, trunks and hooks when the draft began: names for pickers, no upstream read
    context = JSONText(default=dict)
    # undo and redo stacks of `Change.to_json()`, newest last
    undo = JSONText(default=list)
    redo = JSONText(default=list)
    # bumped by every save: a save that finds another version lost a race and is retried
    version = models.PositiveIntegerField(default=0)
    started = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account_id"], name="one_draft_per_user_and_account"
            )
        ]

    def __str__(self) -> str:
        return f"draft of {self.account_id} by {self.user_id}"


class DraftStep(models.Model):
    """One step taken in a draft since its columns were last written whole: an edit (its
    `Change.to_json()`), an undo or a redo. A whole save of the draft deletes its steps."""

    EDIT = "edit"
    UNDO = "undo"
    REDO = "redo"
    KINDS = [(EDIT, "edit"), (UNDO, "undo"), (REDO, "redo")]

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="steps")
    # the draft's version this step made: steps replay in this order
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=4, choices=KINDS)
    change = JSONText(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draft", "version"], name="one_step_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.version} of draft {self.draft_id}"


class Revision(models.Model):
    """One publish of a flow: who, when, the devices before and after, and every call made (its
    steps are updated as it runs, so a page can show the progress)."""

    RUNNING = "running"
    PUBLISHED = "published"
    FAILED = "failed"  # stopped half-way: some calls applied, the draft holds the rest
    STATUSES = [(RUNNING, "running"), (PUBLISHED, "published"), (FAILED, "stopped half-way")]

    account_id = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    started = models.DateTimeField(auto_now_add=True)
    # a running publish touches this after every call
    heartbeat = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=RUNNING)
    # what was published: "draft", "restore of revision 12", "import of flow-….json"
    source = models.CharField(max_length=200, blank=True)
    # the upstream device lists, exactly as sent, when the publish began and when it ended
    before = JSONText(default=list)
    after = JSONText(null=True, blank=True)
    # every call: {step, method, device, name, status (pending|applied|failed|not applied), message}
    steps = JSONText(default=list)
    # the request that published: its audit entries carry the same id
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started", "-id"]

    def __str__(self) -> str:
        return f"revision {self.pk} of {self.account_id} by {self.username}"
