"""Carrying out a publish through the upstream client: lock the account's flow, read it again, rebase
the draft (conflicts stop everything before any write), make the planned calls in order, recording
each in the audit log and in the revision as it goes, stop at the first failure, and leave the draft
rebased on what the upstream holds afterwards, so publishing again finishes the job.

The plan itself (what to write, in which order) is `flows.model.publish`, pure and tested alone.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from callable_admin import locks
from callable_admin.accounts.conflicts import ABSENT, merge, same
from callable_admin.api import deadline
from callable_admin.api.errors import (
    UpstreamError,
    UpstreamMethodNotAllowed,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from callable_admin.audit.models import AuditEntry
from callable_admin.audit.record import audited
from flows import drafts
from flows.drafts import DraftChanged, OpenDraft
from flows.model.publish import (
    Plan,
    Triple,
    by_id,
    dotted,
    flatten,
    match_created,
    mentions,
    plan,
    rebase,
    record_written,
    rename,
    settle,
    unflatten,
    upstream_document,
)
from flows.models import Revision

# a publish holds its account's lock at most this long (a process that died lets go after it)
HOLD = timedelta(minutes=30)
PENDING, APPLIED, FAILED, NOT_APPLIED, KEPT = "pending", "applied", "failed", "not applied", "kept"


class PublishBusy(Exception):
    """Someone is publishing this account's flow right now."""

    def __init__(self, running: Revision):
        super().__init__(f"{running.username} is publishing this flow now.")
        self.running = running


@contextmanager
def publish_lock(request, account_id: str, source: str):
    """One publish per account at a time, across every process (`callable_admin.locks`), recorded
    as a running `Revision` while it lasts."""
    try:
        with locks.held(f"flow-publish:{account_id}", wait=0, hold=HOLD.total_seconds()):
            # a revision still running here was left by a process that died mid-publish
            Revision.objects.filter(account_id=account_id, status=Revision.RUNNING).update(
                status=Revision.FAILED, finished=timezone.now()
            )
            revision = Revision.objects.create(
                account_id=account_id,
                user=request.user,
                username=getattr(request.user, "upstream_username", "") or str(request.user),
                source=source,
                request_id=getattr(request, "request_id", ""),
            )
            try:
                yield revision
            finally:
                if revision.status == Revision.RUNNING:
                    revision.refresh_from_db(fields=["steps"])
                    if any(step["status"] != PENDING for step in revision.steps):
                        # stopped by something unforeseen after some calls: keep what was done
                        revision.status, revision.finished = Revision.FAILED, timezone.now()
                        revision.save(update_fields=["status", "finished"])
                    else:
                        # left before any write (a conflict, nothing to do): nothing to keep
                        revision.delete()
    except locks.LockBusy:
        running = Revision.objects.filter(account_id=account_id, status=Revision.RUNNING).first()
        raise PublishBusy(running or Revision(username="someone")) from None


# Conflicts, field by field, with the account forms' three-way merge


@dataclass
class FieldRow:
    key: tuple[str, ...]
    base: object
    theirs: object
    mine: object
    conflict: bool  # both changed it, differently: the person chooses

    @property
    def path(self) -> str:
        return dotted(self.key)

    @property
    def kept(self) -> str:
        """Whose value stands where only one side changed the field."""
        return "" if self.conflict else ("mine" if _same(self.base, self.theirs) else "theirs")


@dataclass
class Conflict:
    triple: Triple
    rows: list[FieldRow]
    merged: dict | None  # theirs with my changes where only I changed a field
    whole: bool  # one side removed the device: chosen as a whole

    @property
    def device_id(self) -> str:
        return self.triple.device_id


def explain(triple: Triple) -> Conflict:
    base, theirs, mine = flatten(triple.base), flatten(triple.theirs), flatten(triple.mine)
    if triple.theirs is None or triple.mine is None:
        rows = [
            FieldRow(p, base.get(p), theirs.get(p), mine.get(p), True)
            for p in dict.fromkeys([*base, *theirs, *mine])
            if p != ("id",)
        ]
        return Conflict(triple, rows, None, True)
    changed = {
        p
        for p in dict.fromkeys([*base, *mine])
        if not _same(base.get(p, ABSENT), mine.get(p, ABSENT))
    }
    result = merge(theirs, base, {p: mine.get(p, ABSENT) for p in changed}, changed)
    clashing = set(result.conflicts)
    rows = [
        FieldRow(p, base.get(p), theirs.get(p), mine.get(p), p in clashing)
        for p in dict.fromkeys([*base, *theirs, *mine])
        if p != ("id",)
        and not (
            _same(base.get(p, ABSENT), theirs.get(p, ABSENT))
            and _same(theirs.get(p, ABSENT), mine.get(p, ABSENT))
        )
    ]
    return Conflict(triple, rows, unflatten(result.document), False)


def _same(one: object, other: object) -> bool:
    return same(one, other) and type(one) is type(other)


def choose(conflict: Conflict, picks: dict[str, str]) -> dict | None:
    """The device the draft keeps, given "theirs" or "mine" per conflicting row (by its index; the
    key "whole" when one side removed the device). No pick keeps theirs: nothing of a colleague's
    is overwritten by default."""
    triple = conflict.triple
    if conflict.whole:
        return triple.mine if picks.get("whole") == "mine" else triple.theirs
    leaves = flatten(conflict.merged)
    mine = flatten(triple.mine)
    for index, row in enumerate(conflict.rows):
        if row.conflict and picks.get(str(index)) == "mine":
            if row.key in mine:
                leaves[row.key] = mine[row.key]
            else:
                leaves.pop(row.key, None)
    return unflatten(leaves)


def settle_conflicts(
    draft: OpenDraft, answers: dict[str, dict[str, str]], upstream: list
) -> list[Conflict]:
    """Apply the person's choices to the draft (rebased on `upstream` first). Returns the conflicts
    still open (devices changed again upstream since the conflict page was shown)."""
    result = rebase(draft.state, upstream)
    remaining = []
    for triple in result.conflicts:
        picks = answers.get(triple.device_id)
        if picks is None:
            remaining.append(explain(triple))
            continue
        settle(draft.state, triple, choose(explain(triple), picks))
    drafts.save(draft)
    return remaining


# The publish


@dataclass
class Outcome:
    revision: Revision | None
    plan: Plan | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    failure: UpstreamError | None = None
    taken: list[str] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.revision is not None and self.revision.status == Revision.PUBLISHED


class Publisher:
    """One publish of one draft, as one signed-in user."""

    def __init__(self, request, draft: OpenDraft, revision: Revision):
        self.request = request
        self.api = request.callable
        self.draft = draft
        self.account_id = draft.row.account_id
        self.revision = revision
        self.ids: dict[str, str] = {}  # draft id -> upstream id of devices created
        self.written: dict[str, dict | None] = {}  # device -> what the upstream now holds
        self.unknown: dict[str, dict] = {}  # draft id -> document created, id not yet known
        self.before_ids: set[str] = set()
        self.refused_removal: int | None = None
        self.create_entries: dict[str, AuditEntry] = {}

    def run(self) -> Outcome:
        upstream = self.api.flow_devices(self.account_id)
        state = self.draft.state
        result = rebase(state, upstream)
        drafts.save(self.draft)
        if result.conflicts:
            return Outcome(None, conflicts=[explain(t) for t in result.conflicts])
        the_plan = plan(state.base, state.devices)
        if the_plan.empty:
            return Outcome(None, plan=the_plan, taken=result.taken)
        names = {change.device_id: _name(change.device) for change in the_plan.changes}
        self.revision.before = upstream
        self.revision.steps = [
            {
                "step": "create" if c.method == "POST" else c.step,
                "method": c.method,
                "device": c.device_id,
                "name": names.get(c.device_id, c.device_id),
                "status": PENDING,
                "message": "",
            }
            for c in the_plan.calls
        ]
        self.revision.save(update_fields=["before", "steps", "heartbeat"])
        self.before_ids = set(by_id(upstream))
        failure = None
        base = by_id(state.base)
        for index, call in enumerate(the_plan.calls):
            step = self.revision.steps[index]
            try:
                # each write has a page's budget of its own: a long publish is many short calls
                with deadline.within(settings.CALLABLE_API_DEADLINE):
                    self._learn_ids_for(call.document, call.device_id)
                    outcome = self._write(call, base)
            except UpstreamError as exc:
                failure = exc
                step["status"], step["message"] = FAILED, f"{exc.title}: {exc.message}"
                for later in self.revision.steps[index + 1 :]:
                    later["status"] = NOT_APPLIED
                self._progress()
                break
            step["status"] = outcome
            if outcome == KEPT:
                step["message"] = (
                    f"The Callable API does not remove devices (it answered "
                    f"{self.refused_removal}): the device is kept."
                )
            self._progress()
        return self._finish(the_plan, failure, result.taken)

    def _write(self, call, base: dict) -> str:
        device_id = self.ids.get(call.device_id, call.device_id)
        if call.method == "DELETE":
            try:
                with audited(
                    self.request,
                    account_id=self.account_id,
                    kind="device",
                    object_id=device_id,
                    action="delete",
                    before=base.get(device_id),
                ):
                    self.api.delete_device(self.account_id, device_id)
            except (UpstreamNotFound, UpstreamMethodNotAllowed) as exc:
                self.refused_removal = exc.upstream_status
                return KEPT
            self.written[device_id] = None
            return APPLIED
        document = upstream_document(call.document, self.ids)
        if call.method == "POST":
            body = {key: value for key, value in document.items() if key != "id"}
            # kept as unknown until an answer names it: a create that timed out may still exist
            self.unknown[call.device_id] = body
            with audited(
                self.request, account_id=self.account_id, kind="device", action="create", after=body
            ) as entry:
                created = self.api.create_device(self.account_id, body, find=False)
                entry.object_id = created.id or ""
            self.create_entries[call.device_id] = entry
            if created.id:
                del self.unknown[call.device_id]
                self.ids[call.device_id] = created.id
                self.written[created.id] = {"id": created.id, **body}
            return APPLIED
        with audited(
            self.request,
            account_id=self.account_id,
            kind="device",
            object_id=device_id,
            action="update",
            before=base.get(device_id),
            after=document,
        ):
            self.api.update_device(self.account_id, device_id, {**document, "id": device_id})
        self.written[device_id] = {**document, "id": device_id}
        return APPLIED

    def _learn_ids_for(self, document: dict | None, device_id: str) -> None:
        """One listing learns every id the 201s so far did not name, before a call needs one."""
        if not self._needs_unknown(document, device_id):
            return
        self._match(self.api.flow_devices(self.account_id))
        if self._needs_unknown(document, device_id):
            names = ", ".join(f"'{_name(d)}'" for d in self.unknown.values())
            raise UpstreamUnavailable(
                f"The Callable API created {names} without saying which id it gave, and the "
                "device list does not show it."
            )

    def _needs_unknown(self, document: dict | None, device_id: str) -> bool:
        if device_id in self.unknown:
            return True
        return document is not None and bool(mentions(document, set(self.unknown)))

    def _match(self, listing: list) -> None:
        known = self.before_ids | set(self.ids.values())
        fresh = [
            entry for entry in listing if isinstance(entry, dict) and entry.get("id") not in known
        ]
        for draft_id, upstream_id in match_created(self.unknown, fresh).items():
            self.ids[draft_id] = upstream_id
            if draft_id in self.create_entries:
                # the audit entry of the create learns the id it could not say then
                AuditEntry.objects.filter(pk=self.create_entries[draft_id].pk).update(
                    object_id=upstream_id
                )
            self.written[upstream_id] = {"id": upstream_id, **self.unknown.pop(draft_id)}

    def _progress(self) -> None:
        Revision.objects.filter(pk=self.revision.pk).update(
            steps=self.revision.steps, heartbeat=timezone.now()
        )

    def _finish(self, the_plan: Plan, failure: UpstreamError | None, taken: list[str]) -> Outcome:
        try:
            with deadline.within(settings.CALLABLE_API_DEADLINE):
                after = self.api.flow_devices(self.account_id)
        except UpstreamError:
            after = None
        if after is not None:
            self._match(after)
        revision = self.revision
        revision.after = after
        revision.finished = timezone.now()
        revision.status = Revision.FAILED if failure else Revision.PUBLISHED
        revision.save()
        if failure is None:
            drafts.discard(self.request.user, self.account_id)
        else:
            self._keep_rest(after)
        return Outcome(revision, the_plan, failure=failure, taken=taken)

    def _keep_rest(self, after: list | None) -> None:
        """The draft, rebased on what was applied, so publishing again writes only the rest."""
        for _ in range(3):
            draft = drafts.load(self.request.user, self.account_id)
            if draft is None:
                return
            rename(draft.state, self.ids)
            for device_id, document in self.written.items():
                record_written(draft.state, device_id, document)
            if after is not None:
                rebase(draft.state, after)
            try:
                drafts.save(draft)
                return
            except DraftChanged:
                continue


def _name(device: dict) -> str:
    return str(device.get("name") or device.get("type") or device.get("id") or "")


def publish(request, draft: OpenDraft, source: str = "draft") -> Outcome:
    with publish_lock(request, draft.row.account_id, source) as revision:
        return Publisher(request, draft, revision).run()
