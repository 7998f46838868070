"""The flow editor over HTTP: the Django test client against the real sandbox. Every editing URL,
with and without HTMX, roles, hostile ids, two tabs, and that nothing reaches the upstream once
the draft has started."""

import json
import re

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip("the editor views need Django", allow_module_level=True)

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from flows import drafts  # noqa: E402
from flows.models import Draft  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_START, DARREN_TRUNK, DEAN, sign_in  # noqa: E402

pytestmark = pytest.mark.django_db

EDIT = f"/accounts/{DARREN}/flow/edit/"
HTMX = {"HX-Request": "true"}
DARREN_DDI = "7774872eb9991b38efa4d888"
DARREN_DDI_UNROUTED = "8884872eb9991b38efa4d999"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editing(demo_client, sandbox):
    """demo's draft of Darren's flow, started; the sandbox's log cleared after it."""
    response = demo_client.get(EDIT)
    assert response.status_code == 200
    sandbox.clear_log()
    return demo_client


def draft_of(username: str = "demo", account: str = DARREN):
    row = Draft.objects.get(user__upstream_username=username, account_id=account)
    return drafts.load(row.user, account)


def device(draft, device_id: str) -> dict:
    return draft.state.devices[device_id]


def no_upstream_call(sandbox):
    assert sandbox.api_requests() == []


# starting and resuming


def test_opening_the_editor_starts_a_draft_from_the_upstream(demo_client, sandbox):
    response = demo_client.get(EDIT)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-device-id="{DARREN_GATEWAY}"' in page
    assert "Draft." in page and "Discard draft" in page
    draft = draft_of()
    assert set(draft.state.devices) == {DARREN_START, DARREN_GATEWAY}
    # every card pinned when the draft starts
    assert set(draft.state.positions) == {DARREN_START, DARREN_GATEWAY}


def test_a_second_visit_resumes_the_draft_without_reading_the_upstream(editing, sandbox):
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Renamed GW"})
    sandbox.clear_log()
    response = editing.get(EDIT)
    assert response.status_code == 200
    assert "Renamed GW" in response.content.decode()
    no_upstream_call(sandbox)


def test_the_draft_survives_signing_out_and_back_in(editing, sandbox, client):
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Kept across sessions"})
    client.post("/logout/")
    sign_in(client, "demo")
    assert "Kept across sessions" in client.get(EDIT).content.decode()


def test_the_read_only_canvas_links_admins_to_the_editor(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/flow/").content.decode()
    assert f'href="{EDIT}"' in page


# editing URLs, without JavaScript: each redirects back to the editor


def test_saving_fields_keeps_every_other_field(editing, sandbox):
    before = json.loads(json.dumps(device(draft_of(), DARREN_GATEWAY)))
    response = editing.post(
        f"{EDIT}devices/{DARREN_GATEWAY}/",
        {"name": "Main GW", "sipGateway.ringTime": "45", "sipGateway.record": ["false", "true"]},
    )
    assert response.status_code == 302 and response["Location"].startswith(EDIT)
    after = device(draft_of(), DARREN_GATEWAY)
    assert after["name"] == "Main GW"
    assert after["sipGateway"]["ringTime"] == 45
    assert after["sipGateway"]["record"] is True
    for key, value in before["sipGateway"].items():
        if key not in ("ringTime", "record"):
            assert after["sipGateway"][key] == value
    no_upstream_call(sandbox)


def test_a_gateways_trunks_are_picked_and_emptied(editing):
    url = f"{EDIT}devices/{DARREN_GATEWAY}/"
    form = editing.get(url, headers=HTMX).content.decode()
    assert f'name="sipGateway.trunks" value="{DARREN_TRUNK}"' in form
    editing.post(url, {"sipGateway.trunks": [""]})
    assert device(draft_of(), DARREN_GATEWAY)["sipGateway"]["trunks"] == []
    editing.post(url, {"sipGateway.trunks": ["", DARREN_TRUNK]})
    assert device(draft_of(), DARREN_GATEWAY)["sipGateway"]["trunks"] == [DARREN_TRUNK]


def test_invalid_input_is_a_400_with_the_form_again_and_everything_typed(editing):
    response = editing.post(
        f"{EDIT}devices/{DARREN_GATEWAY}/",
        {"name": "Typed name", "sipGateway.ringTime": "soon"},
        headers=HTMX,
    )
    assert response.status_code == 400
    form = response.content.decode()
    assert 'value="Typed name"' in form
    assert 'value="soon"' in form
    assert "whole number" in form
    assert device(draft_of(), DARREN_GATEWAY)["name"] != "Typed name"


def test_invalid_input_without_htmx_is_the_editor_page_with_the_form(editing):
    response = editing.post(
        f"{EDIT}devices/{DARREN_GATEWAY}/", {"sipGateway.maxCallTime": "forever"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="forever"' in page and 'class="flow editing"' in page


def test_raw_json_replaces_the_whole_device_and_bad_json_is_kept(editing):
    url = f"{EDIT}devices/{DARREN_GATEWAY}/"
    current = device(draft_of(), DARREN_GATEWAY)
    changed = {**current, "name": "From JSON", "custom": {"kept": [1, 2]}}
    assert editing.post(url, {"raw": json.dumps(changed)}).status_code == 302
    assert device(draft_of(), DARREN_GATEWAY)["custom"] == {"kept": [1, 2]}
    response = editing.post(url, {"raw": '{"name": "half'}, headers=HTMX)
    assert response.status_code == 400
    assert "{&quot;name&quot;: &quot;half" in response.content.decode()


def test_a_field_the_device_does_not_have_is_refused(editing):
    response = editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"sipGateway.nope": "1"})
    assert response.status_code == 400
    assert "no such field" in response.content.decode()


def test_add_a_device_then_delete_it(editing, sandbox):
    response = editing.post(f"{EDIT}devices/new/", {"type": "SIP_GATEWAY", "name": "Overflow"})
    assert response.status_code == 302
    new_id = re.search(r"device=(new-[0-9a-f]+)", response["Location"]).group(1)
    draft = draft_of()
    assert device(draft, new_id)["name"] == "Overflow"
    assert device(draft, new_id)["sipGateway"]["onBusy"] == "HANGUP"
    assert new_id in draft.state.positions
    assert editing.get(f"{EDIT}devices/{new_id}/", headers=HTMX).status_code == 200
    assert editing.post(f"{EDIT}devices/{new_id}/delete/").status_code == 302
    assert new_id not in draft_of().state.devices
    no_upstream_call(sandbox)


def test_adding_a_device_of_no_type_is_a_400(editing):
    response = editing.post(f"{EDIT}devices/new/", {"type": "<script>", "name": "x"})
    assert response.status_code == 400
    assert len(draft_of().state.devices) == 2


def test_with_htmx_an_add_answers_with_the_new_card_and_its_id(editing):
    response = editing.post(
        f"{EDIT}devices/new/", {"type": "ROUTE_START", "name": "Second line"}, headers=HTMX
    )
    assert response.status_code == 200
    trigger = json.loads(response["HX-Trigger-After-Settle"])["flow:changed"]
    new_id = trigger["select"]
    assert new_id.startswith("new-") and trigger["ids"] == [new_id]
    body = response.content.decode()
    assert f'data-device-id="{new_id}"' in body
    assert (
        'id="history" class="history" role="group" aria-label="Undo and redo" hx-swap-oob' in body
    )


def test_move_pins_the_card_where_it_was_put(editing, sandbox):
    response = editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/move/", {"x": "480", "y": "96"})
    assert response.status_code == 302
    assert draft_of().state.positions[DARREN_GATEWAY] == (480, 96)
    assert editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/move/", {"x": "far"}).status_code == 400
    no_upstream_call(sandbox)


def test_a_move_with_htmx_answers_with_that_card_only(editing):
    response = editing.post(
        f"{EDIT}devices/{DARREN_GATEWAY}/move/", {"x": "480", "y": "96"}, headers=HTMX
    )
    body = response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert f'data-device-id="{DARREN_GATEWAY}"' in body
    assert f'data-device-id="{DARREN_START}"' not in body
    assert 'id="findings"' not in body  # findings did not change
    assert "translate(480,96)" in body


def test_connect_and_send_a_dangling_link_to_hangup(editing):
    response = editing.post(
        f"{EDIT}connect/",
        {"from": DARREN_GATEWAY, "port": "sipGateway.onBusy", "to": DARREN_START},
    )
    assert response.status_code == 302
    assert device(draft_of(), DARREN_GATEWAY)["sipGateway"]["onBusy"] == DARREN_START
    # delete the start: the gateway's link into it stays, as a finding with a one-click fix
    editing.post(f"{EDIT}devices/{DARREN_START}/delete/")
    page = editing.get(EDIT).content.decode()
    assert "Send to HANGUP" in page
    response = editing.post(
        f"{EDIT}devices/{DARREN_GATEWAY}/hangup/", {"port": "sipGateway.onBusy"}, headers=HTMX
    )
    assert response.status_code == 200
    assert device(draft_of(), DARREN_GATEWAY)["sipGateway"]["onBusy"] == "HANGUP"
    assert 'id="findings"' in response.content.decode()


def test_connect_to_nothing_is_refused(editing):
    response = editing.post(
        f"{EDIT}connect/",
        {"from": DARREN_GATEWAY, "port": "sipGateway.onBusy", "to": "nowhere"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert device(draft_of(), DARREN_GATEWAY)["sipGateway"]["onBusy"] == "HANGUP"


def test_undo_and_redo_walk_the_history_and_survive_reload(editing, sandbox):
    url = f"{EDIT}devices/{DARREN_GATEWAY}/"
    editing.post(url, {"name": "One"})
    editing.post(url, {"name": "Two"})
    editing.post(f"{EDIT}undo/")
    assert device(draft_of(), DARREN_GATEWAY)["name"] == "One"
    page = editing.get(EDIT).content.decode()
    assert "Redo: Edit “Two”" not in page  # the label names the device as it was
    assert 'data-history="redo"' in page
    editing.post(f"{EDIT}redo/")
    assert device(draft_of(), DARREN_GATEWAY)["name"] == "Two"
    editing.post(f"{EDIT}undo/")
    editing.post(f"{EDIT}undo/")
    assert device(draft_of(), DARREN_GATEWAY)["name"] == "Primary GW"
    # nothing more to undo: a no-op, not an error
    assert editing.post(f"{EDIT}undo/").status_code == 302
    no_upstream_call(sandbox)


def test_undo_keeps_at_least_a_hundred_steps(editing):
    for step in range(105):
        editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/move/", {"x": str(step * 24), "y": "0"})
    for _ in range(100):
        editing.post(f"{EDIT}undo/")
    assert draft_of().state.positions[DARREN_GATEWAY] == (4 * 24, 0)


def test_arrange_lays_out_again_in_one_undoable_step(editing):
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/move/", {"x": "2400", "y": "2400"})
    assert editing.post(f"{EDIT}arrange/").status_code == 302
    arranged = draft_of().state.positions[DARREN_GATEWAY]
    assert arranged != (2400, 2400)
    editing.post(f"{EDIT}undo/")
    assert draft_of().state.positions[DARREN_GATEWAY] == (2400, 2400)


def test_discard_ends_the_draft(editing):
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Thrown away"})
    response = editing.post(f"{EDIT}discard/")
    assert response.status_code == 302 and response["Location"] == f"/accounts/{DARREN}/flow/"
    assert not Draft.objects.filter(account_id=DARREN).exists()
    assert "Thrown away" not in editing.get(EDIT).content.decode()


def test_an_edit_after_the_draft_was_discarded_elsewhere_is_a_409(editing):
    Draft.objects.all().delete()
    response = editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "x"})
    assert response.status_code == 409
    assert "Reload" in response.content.decode()


def test_two_tabs_racing_get_a_409_and_lose_nothing(editing, monkeypatch):
    real_save = drafts.save

    def other_tab_saves_first(draft, *columns):
        # another request saves between this one's read and its write
        Draft.objects.filter(pk=draft.row.pk).update(version=draft.row.version + 1)
        real_save(draft, *columns)

    monkeypatch.setattr(drafts, "save", other_tab_saves_first)
    response = editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Lost race"}, headers=HTMX)
    assert response.status_code == 409
    assert "another tab" in response.content.decode()
    monkeypatch.setattr(drafts, "save", real_save)
    assert device(draft_of(), DARREN_GATEWAY)["name"] == "Primary GW"


# forms of every type


def test_deans_types_are_edited_field_by_field_with_device_names(demo_client, sandbox):
    url = f"/accounts/{DEAN}/flow/edit/"
    demo_client.get(url)
    draft = draft_of(account=DEAN)
    menu_id = next(i for i, d in draft.state.devices.items() if d["type"] == "IVR_MENU")
    form = demo_client.get(f"{url}devices/{menu_id}/", headers=HTMX).content.decode()
    assert "not known" not in form
    # the first option's link is a picker of device names
    select = re.search(
        r'<select[^>]*name="ivrMenu\.options\[0\]\.connectTo".*?</select>', form, re.S
    )
    assert select and "Bookings queue" in select.group(0) and "HANGUP" in select.group(0)
    hook_id = next(i for i, d in draft.state.devices.items() if d["type"] == "FLOW_HOOK")
    hook_form = demo_client.get(f"{url}devices/{hook_id}/", headers=HTMX).content.decode()
    assert "flow.generic" in hook_form  # the hook picked by what it is, not its id alone


def test_a_menu_option_is_saved_by_its_path_and_every_other_field_kept(demo_client, sandbox):
    url = f"/accounts/{DEAN}/flow/edit/"
    demo_client.get(url)
    draft = draft_of(account=DEAN)
    menu_id, menu = next((i, d) for i, d in draft.state.devices.items() if d["type"] == "IVR_MENU")
    response = demo_client.post(
        f"{url}devices/{menu_id}/", {"ivrMenu.options[0].connectTo": "HANGUP"}
    )
    assert response.status_code == 302
    after = device(draft_of(account=DEAN), menu_id)
    assert after["ivrMenu"]["options"][0]["connectTo"] == "HANGUP"
    assert after["ivrMenu"]["options"][1:] == menu["ivrMenu"]["options"][1:]
    assert {k: v for k, v in after.items() if k != "ivrMenu"} == {
        k: v for k, v in menu.items() if k != "ivrMenu"
    }


# roles and hostile input


EDITING_POSTS = [
    ("devices/new/", {"type": "SIP_GATEWAY", "name": "x"}),
    (f"devices/{DARREN_GATEWAY}/", {"name": "x"}),
    (f"devices/{DARREN_GATEWAY}/delete/", {}),
    (f"devices/{DARREN_GATEWAY}/move/", {"x": "1", "y": "1"}),
    (f"devices/{DARREN_GATEWAY}/duplicate/", {}),
    (f"devices/{DARREN_GATEWAY}/hangup/", {"port": "sipGateway.onBusy"}),
    ("connect/", {"from": DARREN_GATEWAY, "port": "sipGateway.onBusy", "to": "HANGUP"}),
    ("arrange/", {}),
    ("undo/", {}),
    ("redo/", {}),
    ("discard/", {}),
    ("route/", {"ddi": DARREN_DDI_UNROUTED, "start": DARREN_START}),
]


@pytest.mark.parametrize(("path", "data"), EDITING_POSTS)
def test_support_gets_403_for_every_editing_post_and_nothing_changes(
    support_client, sandbox, path, data
):
    response = support_client.post(EDIT + path, data)
    assert response.status_code == 403
    assert not Draft.objects.exists()
    assert sandbox.api_requests() == []


def test_support_opening_the_editor_is_sent_to_the_canvas_without_a_draft(support_client):
    response = support_client.get(EDIT)
    assert response.status_code == 302 and response["Location"] == f"/accounts/{DARREN}/flow/"
    assert not Draft.objects.exists()
    page = support_client.get(f"/accounts/{DARREN}/flow/").content.decode()
    assert "Edit flow" not in page


@pytest.mark.parametrize("device_id", ["new-doesnotexist", "a" * 64, "4db61df1-0000"])
def test_a_device_the_draft_does_not_have_is_a_404(editing, device_id):
    assert editing.get(f"{EDIT}devices/{device_id}/").status_code == 404
    assert editing.post(f"{EDIT}devices/{device_id}/", {"name": "x"}).status_code == 404
    assert editing.post(f"{EDIT}devices/{device_id}/delete/").status_code == 404
    assert editing.post(f"{EDIT}devices/{device_id}/move/", {"x": 1, "y": 1}).status_code == 404


@pytest.mark.parametrize("device_id", ["..%2F..", "a" * 65, "x%00y", "%3Cscript%3E"])
def test_hostile_device_ids_are_404(editing, device_id):
    assert editing.post(f"{EDIT}devices/{device_id}/delete/").status_code == 404


def test_a_hostile_account_id_is_404(demo_client):
    assert demo_client.get("/accounts/..%2Fx/flow/edit/").status_code == 404


def test_editing_get_is_not_allowed_on_post_urls(editing):
    assert editing.get(f"{EDIT}undo/").status_code == 405


# others' drafts, and routing a number


def test_others_drafts_of_the_same_flow_are_shown(editing, sandbox):
    from callable_admin.signin.models import CallableUser  # noqa: PLC0415

    me = draft_of().row.user
    colleague = CallableUser.objects.create(
        upstream_username="colleague", organisation_id=me.organisation_id
    )
    Draft.objects.create(user=colleague, account_id=DARREN, base=[], devices=[])
    page = editing.get(EDIT).content.decode()
    assert "colleague has unpublished changes to this flow, started" in page


def test_route_this_number_adds_it_to_the_chosen_start(demo_client, sandbox):
    page = demo_client.get(f"/accounts/{DARREN}/ddis/").content.decode()
    assert "Route this number" in page
    response = demo_client.post(
        f"{EDIT}route/", {"ddi": DARREN_DDI_UNROUTED, "start": DARREN_START}
    )
    assert response.status_code == 302 and DARREN_START in response["Location"]
    start = device(draft_of(), DARREN_START)
    assert start["startRoute"]["ddis"] == [DARREN_DDI, DARREN_DDI_UNROUTED]


def test_route_this_number_to_a_new_start(demo_client, sandbox):
    response = demo_client.post(f"{EDIT}route/", {"ddi": DARREN_DDI_UNROUTED, "start": "new"})
    assert response.status_code == 302
    new_id = re.search(r"device=(new-[0-9a-f]+)", response["Location"]).group(1)
    assert device(draft_of(), new_id)["startRoute"]["ddis"] == [DARREN_DDI_UNROUTED]


def test_route_a_number_the_account_does_not_have_is_a_404(demo_client, sandbox):
    response = demo_client.post(f"{EDIT}route/", {"ddi": "nope", "start": DARREN_START})
    assert response.status_code == 404


def test_support_does_not_see_route_this_number(support_client):
    page = support_client.get(f"/accounts/{DARREN}/ddis/").content.decode()
    assert "Route this number" not in page


def test_an_editing_interaction_makes_no_upstream_call(editing, sandbox):
    for path, data in EDITING_POSTS[:-2]:
        editing.post(EDIT + path, data, headers=HTMX)
    no_upstream_call(sandbox)


def test_a_client_of_another_user_cannot_touch_demos_draft(editing, sandbox):
    # another admin session sees its own draft only
    other = Client()
    sign_in(other, "demo")
    editing.post(f"{EDIT}devices/{DARREN_GATEWAY}/", {"name": "Mine"})
    assert "Mine" in other.get(EDIT).content.decode()  # same user, second browser: same draft


def test_route_to_a_start_without_its_settings_says_why(demo_client, sandbox):
    demo_client.get(EDIT)
    sandbox.clear_log()
    draft = draft_of()
    start = device(draft, DARREN_START)
    broken = {k: v for k, v in start.items() if k != "startRoute"}
    demo_client.post(f"{EDIT}devices/{DARREN_START}/", {"raw": json.dumps(broken)})
    response = demo_client.post(
        f"{EDIT}route/", {"ddi": DARREN_DDI_UNROUTED, "start": DARREN_START}
    )
    assert response.status_code == 302
    page = demo_client.get(response["Location"]).content.decode()
    assert "no such field" in page
    assert "startRoute" not in device(draft_of(), DARREN_START)


def test_another_page_can_open_the_editor_on_a_device(editing):
    page = editing.get(f"{EDIT}?select={DARREN_GATEWAY}").content.decode()
    assert f'action="{EDIT}devices/{DARREN_GATEWAY}/"' in page
    assert 'href="/accounts/' in page and "Review and publish" in page
