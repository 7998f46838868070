"""Publishing a draft, across the wire against the sandbox: review, publish, conflicts, rebasing,
half-way failures at every write, removals the upstream refuses, unknown fields, revisions, import,
roles."""

from __future__ import annotations

import io
import json
import re
import threading

import pytest

from callable_admin import locks
from callable_admin.api.client import CallableAPI, StaticToken, transport
from callable_admin.audit.models import AuditEntry
from callable_admin.signin.models import CallableUser
from flows import drafts
from flows.model.draft import Change
from flows.models import Draft, Revision
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_TRUNK, DEAN

WRITES = "POST|PUT|DELETE"


# Helpers: drafts are made directly (the editor's views are another part of the work)


def api_for(sandbox, username="demo") -> CallableAPI:
    return CallableAPI(transport(), StaticToken(sandbox.token(username)))


def start_draft(sandbox, account=DEAN, username="demo") -> drafts.OpenDraft:
    user = CallableUser.objects.get(upstream_username=username)
    return drafts.open_draft(user, account, api_for(sandbox, username))


def edit(draft: drafts.OpenDraft, device_id: str, device: dict | None, label="edit") -> None:
    state = draft.state
    before = state.devices.get(device_id)
    positions = {device_id: (None, (10, 10))} if before is None and device else {}
    state.commit(Change(label, {device_id: (state.index_of(device_id), before, device)}, positions))
    drafts.save(draft)


def upstream(sandbox, account=DEAN) -> list[dict]:
    return api_for(sandbox).flow_devices(account)


def by_name(devices) -> dict[str, dict]:
    return {device["name"]: device for device in devices}


def writes(sandbox) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.api_requests() if e["method"] != "GET"]


def publish(client, account=DEAN, **data):
    return client.post(f"/accounts/{account}/flow/edit/publish/", {"confirm": "1", **data})


def canonical(devices: list[dict], known: set[str]) -> str:
    """The devices with ids of devices made since (not in `known`) named by their device's name,
    as text: two flows with the same devices and links are equal whatever ids publishing gave."""
    names = {d["id"]: f"NEW:{d['name']}" for d in devices if d["id"] not in known}
    text = json.dumps(sorted(devices, key=lambda d: names.get(d["id"], d["id"])), sort_keys=True)
    for device_id, name in names.items():
        text = text.replace(json.dumps(device_id), json.dumps(name))
    return text


def dean_rework(draft: drafts.OpenDraft) -> None:
    """A publish with every kind of write: two new menus linking to each other (a held-back link),
    a new start, changes to existing devices that now lead to the new ones, and a removal."""
    devices = by_name(draft.state.devices.values())
    hours, menu, closed = devices["Office hours"], devices["Main menu"], devices["Closed message"]
    voicemail = devices["Lost property voicemail"]
    night_a = {
        "id": "new-a",
        "type": "IVR_MENU",
        "name": "Night menu",
        "extension": "801",
        "ivrMenu": {
            "prompt": "Press 1 for the night line",
            "timeout": 5,
            "onTimeout": voicemail["id"],
            "options": [{"digit": "1", "connectTo": "new-b"}],
        },
    }
    night_b = {
        "id": "new-b",
        "type": "IVR_MENU",
        "name": "Night line",
        "extension": "802",
        "ivrMenu": {
            "prompt": "Press 9 to go back",
            "timeout": 5,
            "onTimeout": "HANGUP",
            "options": [{"digit": "9", "connectTo": "new-a"}],
        },
    }
    edit(draft, "new-a", night_a)
    edit(draft, "new-b", night_b)
    edit(draft, hours["id"], {**hours, "timeSwitch": {**hours["timeSwitch"], "onClosed": "new-a"}})
    menu_settings = {**menu["ivrMenu"], "timeout": 7}
    edit(draft, menu["id"], {**menu, "name": "Main menu (day)", "ivrMenu": menu_settings})
    edit(
        draft,
        "new-s",
        {
            "id": "new-s",
            "type": "ROUTE_START",
            "name": "Night start",
            "extension": "803",
            "startRoute": {"ddis": [], "connectTo": "new-a"},
        },
    )
    edit(draft, closed["id"], None)


# Review


def test_review_names_devices_and_lists_the_calls_in_order(demo_client, sandbox):
    draft = start_draft(sandbox)
    dean_rework(draft)
    sandbox.clear_log()

    response = demo_client.get(f"/accounts/{DEAN}/flow/edit/review/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "“Night menu”" in page and "Closed message" in page
    # the hours' closed branch names the new menu, not its id
    assert re.search(r"timeSwitch\.onClosed.*?“Closed message”.*?“Night menu”", page, re.S)
    calls = re.findall(r'<span class="method \w+">(\w+)</span>', page)
    assert calls[:2] == ["POST", "POST"] and calls[2] == "PUT" and calls[-1] == "DELETE"
    assert "held back" in page
    assert sandbox.api_requests() == []  # the review reads the draft only


def test_an_error_in_the_draft_blocks_publishing_and_writes_nothing(demo_client, sandbox):
    draft = start_draft(sandbox)
    menu = by_name(draft.state.devices.values())["Main menu"]
    edit(draft, menu["id"], {**menu, "ivrMenu": {**menu["ivrMenu"], "onTimeout": "no-such-device"}})

    response = publish(demo_client)

    assert response.status_code == 400
    assert "errors: fix them" in response.content.decode()
    assert writes(sandbox) == []


def test_warnings_need_confirm(demo_client, sandbox):
    draft = start_draft(sandbox)
    # a device nothing leads to: a warning, not an error
    edit(
        draft,
        "new-x",
        {
            "id": "new-x",
            "type": "ANNOUNCEMENT",
            "name": "Spare message",
            "extension": "809",
            "announcement": {"text": "Hi", "connectTo": "HANGUP"},
        },
    )
    assert any(f.severity == "warning" for f in draft.findings())

    refused = demo_client.post(f"/accounts/{DEAN}/flow/edit/publish/")
    assert refused.status_code == 400 and writes(sandbox) == []

    accepted = publish(demo_client)
    assert accepted.status_code == 302
    assert "Spare message" in by_name(upstream(sandbox))


# Publish


@pytest.mark.parametrize("created", ["empty", "body", "location"])
def test_publish_makes_the_upstream_what_the_draft_says_and_ends_the_draft(
    demo_client, sandbox, created
):
    sandbox.config(created=created)
    known = {d["id"] for d in upstream(sandbox)}
    draft = start_draft(sandbox)
    dean_rework(draft)
    wanted = canonical(list(draft.state.devices.values()), known)
    sandbox.clear_log()

    response = publish(demo_client)

    # a listing before, one after: never one per device (the middle one learns unnamed new ids)
    device_lists = [
        e for e in sandbox.api_requests() if e["method"] == "GET" and e["path"].endswith("/device")
    ]
    assert len(device_lists) == (3 if created == "empty" else 2)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert canonical(upstream(sandbox), known) == wanted
    assert not Draft.objects.filter(account_id=DEAN).exists()
    revision = Revision.objects.get(account_id=DEAN)
    assert response["Location"] == f"/accounts/{DEAN}/flow/revisions/{revision.pk}/"
    assert revision.status == Revision.PUBLISHED and revision.username == "demo"
    assert {s["status"] for s in revision.steps} == {"applied"}
    # every call is in the audit log, grouped by the publish's request
    entries = AuditEntry.objects.filter(request_id=revision.request_id, object_kind="device")
    assert entries.count() == len(revision.steps) and revision.request_id
    # creates whose 201 named nothing get their id once a listing tells it
    assert all(entry.object_id for entry in entries)


def test_the_calls_go_creates_links_updates_start_last_then_removals(demo_client, sandbox):
    draft = start_draft(sandbox)
    dean_rework(draft)

    publish(demo_client)

    methods = [method for method, _ in writes(sandbox)]
    assert methods == ["POST", "POST", "PUT", "PUT", "PUT", "PUT", "POST", "DELETE"]
    night_start = [e for e in sandbox.api_requests() if e["method"] == "POST"][-1]
    assert night_start["body"]["name"] == "Night start"


def test_unknown_fields_and_types_survive_an_edit_and_a_publish_byte_for_byte(demo_client, sandbox):
    draft = start_draft(sandbox)
    queue = by_name(draft.state.devices.values())["Bookings queue"]
    odd = {
        **queue,
        "name": "Bookings queue (new)",
        "queue": {**queue["queue"], "weights": [1, 1.0, 2.5, None, "é\u2028", {"deep": [True]}]},
        "zUnknownTop": {"big": 9007199254740993, "empty": {}, "list": []},
    }
    edit(draft, queue["id"], odd)

    assert publish(demo_client).status_code == 302

    (sent,) = [e["body"] for e in sandbox.api_requests() if e["method"] == "PUT"]
    assert json.dumps(sent) == json.dumps(odd)
    token = sandbox.token()
    raw = sandbox.api("GET", f"/api/v1/account/{DEAN}/device/{queue['id']}", token).text
    assert json.dumps(json.loads(raw)) == json.dumps(odd)
    # the types nobody here knows are untouched too
    others = [d for d in upstream(sandbox) if d["id"] != queue["id"]]
    assert others == [d for d in draft.state.base if d["id"] != queue["id"]]


# Conflicts and rebasing


def colleague_puts(sandbox, device: dict, account=DEAN) -> None:
    token = sandbox.token("demo")
    path = f"/api/v1/account/{account}/device/{device['id']}"
    assert sandbox.api("PUT", path, token, json=device).status_code == 204


def test_a_device_both_changed_is_a_conflict_answered_409_and_nothing_is_written(
    demo_client, sandbox
):
    draft = start_draft(sandbox)
    gateway = by_name(draft.state.devices.values())["Dispatch office"]
    settings = gateway["sipGateway"]
    edit(
        draft,
        gateway["id"],
        {**gateway, "name": "Dispatch (mine)", "sipGateway": {**settings, "ringTime": 40}},
    )
    colleague_puts(
        sandbox,
        {**gateway, "name": "Dispatch (theirs)", "sipGateway": {**settings, "maxCallTime": 600}},
    )
    sandbox.clear_log()

    response = publish(demo_client)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Dispatch (theirs)" in page and "Dispatch (mine)" in page and "Dispatch office" in page
    assert f'name="pick-{gateway["id"]}-' in page
    assert writes(sandbox) == []
    assert not Revision.objects.exists()


def test_after_choosing_the_conflict_publishes_with_both_sides_as_chosen(demo_client, sandbox):
    draft = start_draft(sandbox)
    gateway = by_name(draft.state.devices.values())["Dispatch office"]
    settings = gateway["sipGateway"]
    edit(
        draft,
        gateway["id"],
        {**gateway, "name": "Dispatch (mine)", "sipGateway": {**settings, "ringTime": 40}},
    )
    colleague_puts(
        sandbox,
        {**gateway, "name": "Dispatch (theirs)", "sipGateway": {**settings, "maxCallTime": 600}},
    )
    page = publish(demo_client).content.decode()
    theirs_hash = re.search(rf'name="theirs-{gateway["id"]}" value="(\w+)"', page).group(1)
    name_row = re.search(rf'name="pick-{gateway["id"]}-(\d+)" value="mine"', page).group(1)

    chosen = demo_client.post(
        f"/accounts/{DEAN}/flow/edit/resolve/",
        {f"theirs-{gateway['id']}": theirs_hash, f"pick-{gateway['id']}-{name_row}": "mine"},
    )
    assert chosen.status_code == 302 and chosen["Location"].endswith("/edit/review/")
    assert publish(demo_client).status_code == 302

    now = by_name(upstream(sandbox))["Dispatch (mine)"]["sipGateway"]
    assert now["ringTime"] == 40  # only I changed it
    assert now["maxCallTime"] == 600  # only they changed it


def test_a_choice_made_on_an_outdated_page_asks_again(demo_client, sandbox):
    draft = start_draft(sandbox)
    gateway = by_name(draft.state.devices.values())["Dispatch office"]
    edit(draft, gateway["id"], {**gateway, "name": "Dispatch (mine)"})
    colleague_puts(sandbox, {**gateway, "name": "Dispatch (theirs)"})
    page = publish(demo_client).content.decode()
    theirs_hash = re.search(rf'name="theirs-{gateway["id"]}" value="(\w+)"', page).group(1)
    colleague_puts(sandbox, {**gateway, "name": "Dispatch (theirs, again)"})

    again = demo_client.post(
        f"/accounts/{DEAN}/flow/edit/resolve/", {f"theirs-{gateway['id']}": theirs_hash}
    )

    assert again.status_code == 409 and "Dispatch (theirs, again)" in again.content.decode()


def test_upstream_changes_to_devices_the_draft_left_alone_are_taken_in_quietly(
    demo_client, sandbox
):
    draft = start_draft(sandbox)
    devices = by_name(draft.state.devices.values())
    menu, voicemail = devices["Main menu"], devices["Lost property voicemail"]
    edit(draft, menu["id"], {**menu, "name": "Main menu (mine)"})
    colleague_puts(sandbox, {**voicemail, "name": "Voicemail (theirs)"})

    response = publish(demo_client)

    assert response.status_code == 302
    now = by_name(upstream(sandbox))
    assert "Main menu (mine)" in now and "Voicemail (theirs)" in now
    # the colleague's change is not written back: only my device is
    puts = [path for method, path in writes(sandbox) if method == "PUT"]
    assert puts[-1:] == [f"/api/v1/account/{DEAN}/device/{menu['id']}"]
    assert len([p for p in puts if voicemail["id"] in p]) == 1  # the colleague's own PUT


# Half-way failures


def count_writes(demo_client, sandbox) -> int:
    draft = start_draft(sandbox)
    dean_rework(draft)
    publish(demo_client)
    return len(writes(sandbox))


def test_a_failure_at_every_write_stops_says_what_was_applied_and_publishing_again_finishes(
    demo_client, sandbox
):
    total = count_writes(demo_client, sandbox)
    assert total == 8
    for k in range(1, total + 1):
        sandbox.reset()
        Draft.objects.all().delete()
        known = {d["id"] for d in upstream(sandbox)}
        draft = start_draft(sandbox)
        dean_rework(draft)
        wanted = canonical(list(draft.state.devices.values()), known)
        sandbox.faults(method=WRITES, pass_next=k - 1, fail_next=1)

        failed = publish(demo_client)

        assert failed.status_code == 502, (k, failed.status_code)
        page = failed.content.decode()
        assert "Publishing stopped half-way" in page
        revision = Revision.objects.filter(account_id=DEAN).first()
        statuses = [s["status"] for s in revision.steps]
        assert statuses == ["applied"] * (k - 1) + ["failed"] + ["not applied"] * (total - k), k
        assert revision.status == Revision.FAILED
        # the draft holds the rest; publishing again finishes the job
        assert Draft.objects.filter(account_id=DEAN).exists()
        sandbox.clear_faults()
        again = publish(demo_client)
        assert again.status_code == 302, (k, again.content.decode()[:3000])
        assert canonical(upstream(sandbox), known) == wanted, k
        assert not Draft.objects.filter(account_id=DEAN).exists()


def test_the_half_way_page_names_what_was_applied_and_what_was_not(demo_client, sandbox):
    draft = start_draft(sandbox)
    dean_rework(draft)
    sandbox.faults(method=WRITES, pass_next=3, fail_next=1, fail_status=503)

    page = publish(demo_client).content.decode()

    applied, rest = page.split("<h3>Not applied</h3>")
    assert "Night menu" in applied and "Night line" in applied
    assert "Closed message" in rest and "Night start" in rest
    assert "Publish the rest" in page


# Removals the upstream refuses


@pytest.mark.parametrize("status", [404, 405])
def test_a_removal_the_upstream_refuses_is_said_plainly_and_the_device_kept(
    demo_client, sandbox, status
):
    draft = start_draft(sandbox)
    devices = by_name(draft.state.devices.values())
    hours, closed = devices["Office hours"], devices["Closed message"]
    edit(draft, hours["id"], {**hours, "timeSwitch": {**hours["timeSwitch"], "onClosed": "HANGUP"}})
    edit(draft, closed["id"], None)
    sandbox.faults(method="DELETE", fail_next=1, fail_status=status)

    response = publish(demo_client)

    assert response.status_code == 302
    page = demo_client.get(response["Location"]).content.decode()
    assert "does not remove devices" in page and "Closed message" in page
    now = by_name(upstream(sandbox))
    assert "Closed message" in now
    assert now["Office hours"]["timeSwitch"]["onClosed"] == "HANGUP"


def test_removing_a_trunk_that_gateways_use_links_to_the_editor_with_them_selected(
    demo_client, sandbox
):
    response = demo_client.get(f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/delete/")

    page = response.content.decode()
    assert f"/accounts/{DARREN}/flow/edit/?select={DARREN_GATEWAY}" in page

    refused = demo_client.post(f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/delete/")

    assert refused.status_code == 409  # the upstream refuses: the gateway uses the trunk
    page = refused.content.decode()
    assert "Primary GW" in page
    assert f"/accounts/{DARREN}/flow/edit/?select={DARREN_GATEWAY}" in page


# Revisions, restore, import, export


def test_a_revision_shows_who_when_the_canvas_and_restores_into_a_reviewable_draft(
    demo_client, sandbox
):
    original = upstream(sandbox)
    draft = start_draft(sandbox)
    dean_rework(draft)
    publish(demo_client)
    revision = Revision.objects.get(account_id=DEAN)

    listing = demo_client.get(f"/accounts/{DEAN}/flow/revisions/").content.decode()
    assert f"#{revision.pk}" in listing and "demo" in listing
    page = demo_client.get(f"/accounts/{DEAN}/flow/revisions/{revision.pk}/").content.decode()
    assert "data-device-id" in page and "Night menu" in page
    assert "The flow now is exactly this revision." in page
    before = demo_client.get(f"/accounts/{DEAN}/flow/revisions/{revision.pk}/?show=before")
    assert "Closed message" in before.content.decode()

    restored = demo_client.post(
        f"/accounts/{DEAN}/flow/revisions/{revision.pk}/restore/", {"which": "before"}
    )
    assert restored.status_code == 302 and restored["Location"].endswith("/edit/review/")
    review = demo_client.get(restored["Location"]).content.decode()
    assert "Night menu" in review and "Closed message" in review
    assert publish(demo_client).status_code == 302
    restore = Revision.objects.filter(account_id=DEAN).first()
    assert restore.source == f"Restore revision {revision.pk} (before)"
    # the removed device comes back with a new id; every other id and link is as it was
    known = {d["id"] for d in original} - {by_name(original)["Closed message"]["id"]}
    assert canonical(upstream(sandbox), known) == canonical(original, known)


def test_import_an_export_into_the_draft_matching_ids(demo_client, sandbox):
    exported = demo_client.get(f"/accounts/{DEAN}/flow/export.json").json()
    devices = exported["devices"]
    by_name(devices)["Main menu"]["name"] = "Imported menu"
    exported["layout"]["from-elsewhere"] = {"x": 640, "y": 480}
    devices.append(
        {
            "id": "from-elsewhere",
            "type": "ANNOUNCEMENT",
            "name": "Imported message",
            "extension": "899",
            "announcement": {"text": "Hello", "connectTo": "HANGUP"},
        }
    )
    upload = io.BytesIO(json.dumps(exported).encode())
    upload.name = "export.json"

    response = demo_client.post(f"/accounts/{DEAN}/flow/edit/import/", {"file": upload})

    assert response.status_code == 302
    review = demo_client.get(response["Location"]).content.decode()
    assert "1 created" in review and "1 changed" in review and "0 deleted" in review
    (draft,) = Draft.objects.filter(account_id=DEAN)
    (new_id,) = [d["id"] for d in draft.devices if d["name"] == "Imported message"]
    assert new_id.startswith("new-") and draft.positions[new_id] == [640, 480]
    assert publish(demo_client).status_code == 302
    now = by_name(upstream(sandbox))
    assert "Imported menu" in now and "Imported message" in now
    assert now["Imported message"]["id"] != "from-elsewhere"


def test_an_import_that_is_not_an_export_is_refused_and_the_draft_kept(demo_client, sandbox):
    draft = start_draft(sandbox)
    menu = by_name(draft.state.devices.values())["Main menu"]
    edit(draft, menu["id"], {**menu, "name": "Kept"})
    upload = io.BytesIO(b"not json")
    upload.name = "x.json"

    response = demo_client.post(f"/accounts/{DEAN}/flow/edit/import/", {"file": upload})

    assert response.status_code == 400 and "not JSON" in response.content.decode()
    assert drafts.load(draft.row.user, DEAN).state.devices[menu["id"]]["name"] == "Kept"


def test_the_draft_exports_as_json(demo_client, sandbox):
    draft = start_draft(sandbox)
    menu = by_name(draft.state.devices.values())["Main menu"]
    edit(draft, menu["id"], {**menu, "name": "In the draft"})

    body = demo_client.get(f"/accounts/{DEAN}/flow/edit/export.json").json()

    assert body["account"] == DEAN and "In the draft" in by_name(body["devices"])
    assert set(body["layout"]) >= {menu["id"]}


def test_a_revision_of_another_account_or_none_is_404(demo_client, sandbox):
    draft = start_draft(sandbox)
    edit(
        draft,
        "new-x",
        {
            "id": "new-x",
            "type": "ANNOUNCEMENT",
            "name": "X",
            "extension": "855",
            "announcement": {"text": "x", "connectTo": "HANGUP"},
        },
    )
    publish(demo_client)
    revision = Revision.objects.get()
    assert demo_client.get(f"/accounts/{DARREN}/flow/revisions/{revision.pk}/").status_code == 404
    assert demo_client.get(f"/accounts/{DEAN}/flow/revisions/99999/").status_code == 404


# The publish lock


def test_a_publish_while_another_runs_is_refused_and_writes_nothing(demo_client, sandbox):
    draft = start_draft(sandbox)
    menu = by_name(draft.state.devices.values())["Main menu"]
    edit(draft, menu["id"], {**menu, "name": "Mine"})

    with locks.held(f"flow-publish:{DEAN}", wait=0):
        Revision.objects.create(account_id=DEAN, username="colleague", status=Revision.RUNNING)
        response = publish(demo_client)

    assert response.status_code == 409 and "colleague is publishing" in response.content.decode()
    assert writes(sandbox) == []


def test_a_publish_left_running_by_a_dead_process_does_not_block_the_next(demo_client, sandbox):
    left = Revision.objects.create(account_id=DEAN, username="demo", status=Revision.RUNNING)
    draft = start_draft(sandbox)
    menu = by_name(draft.state.devices.values())["Main menu"]
    edit(draft, menu["id"], {**menu, "name": "Mine"})

    assert publish(demo_client).status_code == 302

    left.refresh_from_db()
    assert left.status == Revision.FAILED
    assert "Mine" in by_name(upstream(sandbox))


# Roles


def test_support_gets_403_on_every_publish_url_and_nothing_is_written(support_client, sandbox):
    revision = Revision.objects.create(account_id=DEAN, username="demo", status="published")
    base = f"/accounts/{DEAN}/flow"
    upload = io.BytesIO(b"{}")
    upload.name = "x.json"
    answers = [
        support_client.get(f"{base}/edit/review/").status_code,
        support_client.post(f"{base}/edit/publish/", {"confirm": "1"}).status_code,
        support_client.post(f"{base}/edit/resolve/").status_code,
        support_client.get(f"{base}/edit/progress/").status_code,
        support_client.post(f"{base}/edit/import/", {"file": upload}).status_code,
        support_client.get(f"{base}/edit/export.json").status_code,
        support_client.post(f"{base}/revisions/{revision.pk}/restore/").status_code,
    ]

    assert answers == [403] * len(answers)
    assert sandbox.api_requests() == []
    assert not Draft.objects.exists()


def test_support_reads_revisions_without_the_restore_buttons(support_client, sandbox):
    revision = Revision.objects.create(
        account_id=DEAN, username="demo", status="published", before=upstream(sandbox)
    )

    listing = support_client.get(f"/accounts/{DEAN}/flow/revisions/")
    page = support_client.get(f"/accounts/{DEAN}/flow/revisions/{revision.pk}/")

    assert listing.status_code == 200 and f"#{revision.pk}" in listing.content.decode()
    assert page.status_code == 200 and "data-device-id" in page.content.decode()
    assert "restore/" not in page.content.decode()


def test_the_review_masks_credentials_and_isolates_upstream_text(demo_client, sandbox):
    draft = start_draft(sandbox)
    eta = by_name(draft.state.devices.values())["Driver ETA lookup"]
    hook = {**eta["flowHook"], "authToken": "s3cret-token", "note": "\u202eevil"}
    edit(draft, eta["id"], {**eta, "flowHook": hook})

    page = demo_client.get(f"/accounts/{DEAN}/flow/edit/review/").content.decode()

    assert "s3cret-token" not in page and "•••" in page
    assert "\u202e" not in page and "<bdi>" in page


def test_progress_shows_the_running_publish_call_by_call(demo_client, sandbox):
    steps = [
        {
            "step": "create",
            "method": "POST",
            "device": "new-1",
            "name": "Night menu",
            "status": "applied",
            "message": "",
        },
        {
            "step": "update",
            "method": "PUT",
            "device": "x",
            "name": "Main menu",
            "status": "pending",
            "message": "",
        },
    ]
    Revision.objects.create(account_id=DEAN, username="colleague", steps=steps)

    page = demo_client.get(f"/accounts/{DEAN}/flow/edit/progress/").content.decode()

    assert "1 of 2 calls made" in page and "(by colleague)" in page and "Night menu" in page


@pytest.mark.django_db(transaction=True)
def test_two_tabs_publishing_at_once_write_the_draft_once(client, sandbox):
    from django.test import Client

    from tests.conftest import sign_in

    sign_in(client, "demo")
    known = {d["id"] for d in upstream(sandbox)}
    draft = start_draft(sandbox)
    dean_rework(draft)
    wanted = canonical(list(draft.state.devices.values()), known)
    sandbox.clear_log()
    sandbox.faults(method=WRITES, latency_ms=150)  # the publishes overlap
    barrier = threading.Barrier(2)
    statuses, errors = [], []

    def tab():
        try:
            browser_tab = Client()
            browser_tab.cookies = client.cookies
            barrier.wait()
            statuses.append(publish(browser_tab).status_code)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # one publishes; the other is told someone is publishing this flow now
    assert sorted(statuses) == [302, 409]
    assert [m for m, _ in writes(sandbox)].count("POST") == 3
    assert canonical(upstream(sandbox), known) == wanted


def test_an_export_of_another_account_is_loaded_with_a_warning(demo_client, sandbox):
    exported = demo_client.get(f"/accounts/{DARREN}/flow/export.json").json()
    upload = io.BytesIO(json.dumps(exported).encode())
    upload.name = "darren.json"

    response = demo_client.post(
        f"/accounts/{DEAN}/flow/edit/import/", {"file": upload}, follow=True
    )

    page = response.content.decode()
    assert "export is of another account" in page
    assert "2 created" in page and "9 deleted" in page
    assert writes(sandbox) == []
