"""A draft saved one step at a time (`flows.models.DraftStep`): what a reload, another process
or a whole save reads back is what the editor made, step for step."""

import json
import re

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip("drafts need Django", allow_module_level=True)

from django.core.cache import cache  # noqa: E402

from flows import drafts  # noqa: E402
from flows.models import Draft, DraftStep  # noqa: E402
from flows.views import editor  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_START  # noqa: E402

pytestmark = pytest.mark.django_db

EDIT = f"/accounts/{DARREN}/flow/edit/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def editing(demo_client, sandbox):
    cache.clear()
    assert demo_client.get(EDIT).status_code == 200
    yield demo_client
    cache.clear()


def loaded() -> drafts.OpenDraft:
    row = Draft.objects.get(account_id=DARREN)
    return drafts.load(row.user, DARREN)


def forget_kept_drafts():
    """As if the server restarted: no process remembers a parsed draft."""
    editor._kept.clear()


def test_an_edit_writes_one_step_not_the_devices(editing):
    before = Draft.objects.get(account_id=DARREN)
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Stepped"}, headers=HTMX)
    row = Draft.objects.get(account_id=DARREN)
    assert row.version == before.version + 1
    assert row.devices == before.devices
    (step,) = DraftStep.objects.filter(draft=row)
    assert (step.kind, step.version) == ("edit", row.version)
    assert step.change["devices"][DARREN_GATEWAY][2]["name"] == "Stepped"
    forget_kept_drafts()
    assert loaded().state.devices[DARREN_GATEWAY]["name"] == "Stepped"


def test_steps_replayed_after_a_restart_equal_the_state_the_editor_kept(editing):
    posts = [
        (f"devices/{DARREN_GATEWAY}/", {"name": "One"}),
        (f"devices/{DARREN_GATEWAY}/move/", {"x": "480", "y": "96"}),
        ("devices/new/", {"type": "SIP_GATEWAY", "name": "Added"}),
        ("undo/", {}),
        ("redo/", {}),
        (f"devices/{DARREN_START}/move/", {"x": "24", "y": "48"}),
        ("undo/", {}),
        (f"devices/{DARREN_GATEWAY}/", {"name": "Two"}),
    ]
    for path, data in posts:
        assert editing.post(f"{EDIT}{path}", data, headers=HTMX).status_code == 200
    (kept,) = editor._kept.values()
    forget_kept_drafts()
    replayed = loaded()
    assert replayed.state.to_json() == kept.state.to_json()
    assert replayed.steps == len(posts)
    # and the page after the restart shows it
    page = editing.get(EDIT).content.decode()
    assert "Two" in page and "Added" in page


def test_after_enough_steps_the_columns_are_written_whole_and_the_steps_deleted(
    editing, monkeypatch
):
    monkeypatch.setattr(drafts, "COMPACT_AFTER", 3)
    for step in range(4):
        editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": f"Name {step}"}, headers=HTMX)
    row = Draft.objects.get(account_id=DARREN)
    assert not DraftStep.objects.filter(draft=row).exists()
    assert next(d for d in row.devices if d["id"] == DARREN_GATEWAY)["name"] == "Name 3"
    assert [change["label"] for change in row.undo][-1].startswith("Edit")
    editing.post(f"{EDIT}undo/", headers=HTMX)
    forget_kept_drafts()
    assert loaded().state.devices[DARREN_GATEWAY]["name"] == "Name 2"


def test_a_whole_save_keeps_the_steps_effects_and_deletes_them(editing):
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Before whole"}, headers=HTMX)
    draft = loaded()
    drafts.save(draft)
    assert not DraftStep.objects.exists()
    forget_kept_drafts()
    again = loaded()
    assert again.steps == 0
    assert again.state.devices[DARREN_GATEWAY]["name"] == "Before whole"
    assert again.state.undo[-1].label.startswith("Edit")


def test_a_second_tab_that_saved_a_step_first_makes_this_one_a_409(editing):
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Mine"}, headers=HTMX)
    other_tab = loaded()
    other_tab.state.step_back()
    drafts.save(other_tab, step=("undo", None))
    # this process still keeps the version before the other tab's step: it reads it again
    response = editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Again"}, headers=HTMX)
    assert response.status_code == 200
    stale = loaded()
    stale.row.version -= 1
    with pytest.raises(drafts.DraftChanged):
        drafts.save(stale, step=("undo", None))
    forget_kept_drafts()
    assert loaded().state.devices[DARREN_GATEWAY]["name"] == "Again"


def test_what_the_editor_keeps_after_each_interaction_equals_a_fresh_reading(editing):
    """The per-process state (flow, findings, layout) after every kind of interaction is what
    reading the saved draft from nothing gives."""
    from flows.model.findings import validate
    from flows.model.layout import layout
    from tests.flows.test_incremental import drawn

    added = editing.post(f"{EDIT}devices/new/", {"type": "X_LOOP", "name": "Spin"}, headers=HTMX)
    spin = re.search(r'"select": "([^"]+)"', added["HX-Trigger-After-Settle"]).group(1)
    raw = json.dumps({"type": "X_LOOP", "name": "Spin", "xLoop": {"connectTo": spin}})
    posts = [
        (f"devices/{spin}/", {"raw": raw}),
        (f"devices/{DARREN_GATEWAY}/", {"name": "Renamed"}),
        (f"devices/{DARREN_GATEWAY}/move/", {"x": "480", "y": "960"}),
        ("connect/", {"from": DARREN_START, "port": "startRoute.connectTo", "to": spin}),
        ("undo/", {}),
        (f"devices/{DARREN_GATEWAY}/delete/", {}),
        ("undo/", {}),
        ("redo/", {}),
    ]
    for path, data in posts:
        assert editing.post(f"{EDIT}{path}", data, headers=HTMX).status_code == 200, path
        (kept,) = editor._kept.values()
        fresh = loaded()
        flow = fresh.flow()
        assert kept.state.to_json() == fresh.state.to_json()
        assert kept.findings == validate(flow)
        assert drawn(kept.layout()) == drawn(layout(flow, fresh.state.positions))
    assert any(f.code == "closed_loop" for f in kept.findings)
