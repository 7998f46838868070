"""Where flow drafts are kept: one per admin and account, in our database (`flows.models.Draft`).

`open_draft` starts a draft from the upstream (one round of reads, every card pinned where the
canvas shows it) or resumes the one kept; after that, editing reads and writes only our database.
`save` is a compare-and-swap on the row's version, so two tabs of one person cannot lose each
other's edits silently: the loser gets `DraftChanged` and the page reloads the draft. The editor
saves one step at a time (`save(draft, step=...)`): a `DraftStep` row holding only that edit,
undo or redo, which `load` replays over the columns; every `COMPACT_AFTER` steps, and at every
whole save, the columns are written whole again and the steps deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from callable_admin.api.client import gather
from flows.model.draft import Change, DraftState
from flows.model.findings import Finding, validate
from flows.model.graph import Flow, parse
from flows.model.layout import layout
from flows.models import DevicePosition, Draft, DraftStep

# what `save` writes unless told otherwise
SAVED = ("base", "devices", "positions", "undo", "redo", "context")
# steps kept before the columns are written whole again: bounds what `load` replays
COMPACT_AFTER = 100
# (kind, change): an edit with its change, or an undo or redo (None)
Step = tuple[str, Change | None]


class DraftChanged(Exception):
    """The draft was saved by another request (another tab) since this one read it."""


@dataclass(eq=False)
class OpenDraft:
    row: Draft
    state: DraftState
    # steps saved since the columns were last written whole
    steps: int = 0

    @property
    def context(self) -> dict:
        return self.row.context

    def flow(self) -> Flow:
        context = self.row.context
        return parse(self.state.device_list(), context.get("ddis", []), context.get("trunks", []))

    def findings(self, flow: Flow | None = None) -> list[Finding]:
        return validate(flow if flow is not None else self.flow())


def load(user, account_id: str) -> OpenDraft | None:
    for _ in range(5):
        row = Draft.objects.filter(user=user, account_id=account_id).first()
        if row is None:
            return None
        steps = list(
            DraftStep.objects.filter(draft=row, version__lte=row.version)
            .order_by("version")
            .values_list("kind", "change")
        )
        # a whole save between the two reads deleted steps the columns do not hold yet
        if Draft.objects.filter(pk=row.pk, version=row.version).exists():
            return OpenDraft(row, _replayed(_state(row), steps), len(steps))
    raise DraftChanged("This draft is being changed too often to be read.")


def _replayed(state: DraftState, steps: list[tuple[str, dict | None]]) -> DraftState:
    for kind, change in steps:
        if kind == DraftStep.EDIT:
            state.commit(Change.from_json(change))
        elif kind == DraftStep.UNDO:
            state.step_back()
        else:
            state.step_forward()
    return state


def open_draft(user, account_id: str, api) -> OpenDraft:
    """The user's draft for the account, started from the upstream if there is none."""
    found = load(user, account_id)
    if found is not None:
        return found
    account, devices, ddis, trunks, hooks = gather(
        lambda: api.account(account_id),
        lambda: api.flow_devices(account_id),
        lambda: api.ddis(account_id),
        lambda: api.trunks(account_id),
        lambda: api.hooks(account_id),
    )
    flow = parse(devices, ddis, trunks)
    # every card pinned where the canvas shows it now: an edit never makes another card jump
    placed = layout(flow, DevicePosition.pinned(account_id)).positions
    state = DraftState.start(devices, placed)
    context = {"account": account, "ddis": ddis, "trunks": trunks, "hooks": hooks}
    try:
        with transaction.atomic():
            row = Draft.objects.create(
                user=user,
                account_id=account_id,
                base=state.base,
                devices=list(state.devices.values()),
                positions={key: list(value) for key, value in state.positions.items()},
                context=context,
            )
    except IntegrityError:
        # another tab started it at the same moment: theirs stands
        return load(user, account_id)
    return OpenDraft(row, state)


def save(draft: OpenDraft, columns: tuple[str, ...] = SAVED, step: Step | None = None) -> None:
    """Write the state back if nobody else saved since it was read; else `DraftChanged`.
    `columns` may name fewer of `SAVED` (an edit changes neither the base nor the context).
    With `step`, the one step just taken on the state (which holds it already), only that step is
    written, unless the draft has `COMPACT_AFTER` steps: then `columns` are written whole."""
    row, state = draft.row, draft.state
    with transaction.atomic():
        if step is not None and draft.steps < COMPACT_AFTER:
            kind, change = step
            updated = Draft.objects.filter(pk=row.pk, version=row.version).update(
                version=row.version + 1
            )
            if not updated:
                raise DraftChanged("This draft was changed in another tab or window.")
            DraftStep.objects.create(
                draft_id=row.pk,
                version=row.version + 1,
                kind=kind,
                change=change.to_json() if change is not None else None,
            )
            draft.steps += 1
        else:
            if draft.steps:
                # the steps held things the columns did not: all of those columns again
                columns = tuple(
                    column for column in SAVED if column in columns or column in STEPPED
                )
            data = state.to_json() if columns == SAVED else _parts(state, columns)
            if "context" in columns:
                data["context"] = row.context
            updated = Draft.objects.filter(pk=row.pk, version=row.version).update(
                **{column: data[column] for column in columns}, version=row.version + 1
            )
            if not updated:
                raise DraftChanged("This draft was changed in another tab or window.")
            if draft.steps:
                DraftStep.objects.filter(draft_id=row.pk).delete()
                draft.steps = 0
    row.version += 1


# what steps may have changed: a whole save after steps writes all of these
STEPPED = ("devices", "positions", "undo", "redo")


def _parts(state: DraftState, columns: tuple[str, ...]) -> dict:
    parts = {
        "base": lambda: state.base,
        "devices": lambda: list(state.devices.values()),
        "positions": lambda: {key: list(value) for key, value in state.positions.items()},
        "undo": lambda: [change.to_json() for change in state.undo],
        "redo": lambda: [change.to_json() for change in state.redo],
        "context": lambda: None,
    }
    return {column: parts[column]() for column in columns}


def discard(user, account_id: str) -> None:
    Draft.objects.filter(user=user, account_id=account_id).delete()


def others(user, account_id: str) -> list[Draft]:
    """Other people's drafts of the same flow, oldest first: shown, never touched."""
    return list(
        Draft.objects.filter(account_id=account_id)
        .exclude(user=user)
        .select_related("user")
        .order_by("started")
    )


def _state(row: Draft) -> DraftState:
    return DraftState.from_json(
        {
            "base": row.base,
            "devices": row.devices,
            "positions": row.positions,
            "undo": row.undo,
            "redo": row.redo,
        }
    )
