"""The publish plan, pure: what changes, the calls in order, conflicts and rebasing."""

from flows.model.draft import Change, DraftState
from flows.model.publish import (
    HANGUP,
    Triple,
    device_changes,
    field_changes,
    flatten,
    match_created,
    new_draft_from,
    plan,
    rebase,
    rename,
    unflatten,
)
from tests.flows.builders import DEAN_DDI, dean_devices, gateway, menu, other, start


def _draft(devices=None) -> DraftState:
    return DraftState.start(devices if devices is not None else dean_devices(), {})


def _edit(state: DraftState, device_id: str, device: dict | None, label="edit") -> None:
    state.commit(
        Change(
            label, {device_id: (state.index_of(device_id), state.devices.get(device_id), device)}
        )
    )


def test_a_device_flattens_to_its_fields_and_back_in_order():
    device = gateway("g", name="G", onBusy="x")
    device["odd.key"] = {"deep": {"er": [1, {"a": 2}]}, "empty": {}}
    assert unflatten(flatten(device)) == device
    assert list(unflatten(flatten(device))) == list(device)
    assert ("odd.key", "deep", "er") in flatten(device)


def test_field_changes_name_each_changed_leaf():
    before = gateway("g")
    after = {**before, "sipGateway": {**before["sipGateway"], "ringTime": 45}, "name": "New"}
    changes = {
        change.name: (change.before, change.after) for change in field_changes(before, after)
    }
    assert changes == {"name": ("Gateway g", "New"), "sipGateway.ringTime": (30, 45)}


def test_an_unchanged_draft_plans_nothing():
    state = _draft()
    assert plan(state.base, state.devices).empty


def test_changes_list_created_changed_and_deleted_devices():
    state = _draft()
    _edit(state, "dean-dispatch", {**state.devices["dean-dispatch"], "name": "Dispatch"})
    _edit(state, "new-1", gateway("new-1", name="Night line"))
    _edit(state, "dean-voicemail", None)
    actions = {c.device_id: c.action for c in device_changes(state.base, state.devices)}
    assert actions["dean-dispatch"] == "update"
    assert actions["new-1"] == "create"
    assert actions["dean-voicemail"] == "delete"


def test_new_devices_come_first_downstream_first_and_a_start_is_switched_last():
    state = _draft()
    # a new gateway behind a new menu; the existing start switched to the new menu
    _edit(state, "new-g", gateway("new-g", name="Night gateway"))
    _edit(state, "new-m", menu("new-m", [(1, "new-g")], name="Night menu", onTimeout="HANGUP"))
    _edit(
        state,
        "dean-start",
        start("dean-start", [DEAN_DDI], "new-m", name="Dean's line", extension="700"),
    )
    _edit(state, "dean-dispatch", {**state.devices["dean-dispatch"], "name": "Dispatch"})
    calls = plan(state.base, state.devices).calls
    order = [(c.method, c.device_id) for c in calls]
    assert order[:3] == [("POST", "new-g"), ("POST", "new-m"), ("PUT", "new-m")]
    assert calls[1].held == ("ivrMenu.options.0.connectTo",) and calls[2].step == "link"
    assert order[-1] == ("PUT", "dean-start")
    assert ("PUT", "dean-dispatch") in order[3:-1]
    # the start names the new menu itself: it exists by then
    assert not calls[-1].held


def test_a_link_between_new_devices_in_a_loop_is_held_back_then_written():
    state = _draft()
    _edit(state, "new-a", menu("new-a", [(1, "new-b")], name="A", onTimeout="HANGUP"))
    _edit(state, "new-b", menu("new-b", [(1, "new-a")], name="B", onTimeout="HANGUP"))
    calls = plan(state.base, state.devices).calls
    assert [c.method for c in calls] == ["POST", "POST", "PUT", "PUT"]
    first = calls[0]
    assert first.held and HANGUP in str(first.document)
    assert calls[2].step == "link" and calls[2].device_id == first.device_id
    assert calls[2].document == state.devices[first.device_id]


def test_a_new_start_is_created_after_the_devices_it_leads_to_exist_and_hold_nothing():
    state = _draft()
    _edit(state, "new-g", gateway("new-g", name="G"))
    _edit(state, "new-s", start("new-s", [], "new-g", name="S"))
    calls = plan(state.base, state.devices).calls
    assert [(c.step, c.device_id) for c in calls] == [("create", "new-g"), ("update", "new-s")]
    assert calls[1].method == "POST" and not calls[1].held


def test_removals_come_last_a_device_before_the_devices_it_links_to():
    state = _draft()
    _edit(
        state,
        "dean-start",
        start("dean-start", [DEAN_DDI], "dean-dispatch", name="Dean's line", extension="700"),
    )
    _edit(state, "dean-menu", None)
    _edit(state, "dean-queue", None)
    calls = plan(state.base, state.devices).calls
    assert calls[0].method == "PUT"
    assert [c.device_id for c in calls[1:]] == ["dean-menu", "dean-queue"]
    assert all(c.method == "DELETE" for c in calls[1:])


def test_unknown_fields_and_types_are_sent_whole():
    odd = other(
        "x1",
        "CALL_QUEUE",
        "callQueue",
        name="Queue",
        weird={"n": [1, None, 2.5]},
        onTimeout="HANGUP",
    )
    odd["unknownTop"] = {"keep": True}
    state = _draft([odd])
    _edit(state, "x1", {**odd, "name": "Queue 2"})
    (call,) = plan(state.base, state.devices).calls
    assert call.document == {**odd, "name": "Queue 2"}


def test_rebase_takes_in_upstream_changes_to_devices_the_draft_did_not_touch():
    state = _draft()
    _edit(state, "dean-dispatch", {**state.devices["dean-dispatch"], "name": "Mine"})
    upstream = dean_devices()
    upstream[3] = {**upstream[3], "name": "Theirs"}  # another device
    upstream.append(gateway("fresh", name="Added by a colleague"))
    upstream = [d for d in upstream if d["id"] != "dean-voicemail"]
    result = rebase(state, upstream)
    assert result.conflicts == []
    assert state.devices[upstream[3]["id"]]["name"] == "Theirs"
    assert "fresh" in state.devices and "fresh" in state.positions
    assert "dean-voicemail" not in state.devices
    assert state.devices["dean-dispatch"]["name"] == "Mine"
    calls = plan(state.base, state.devices).calls
    assert [(c.method, c.device_id) for c in calls] == [("PUT", "dean-dispatch")]


def test_rebase_reports_a_device_both_changed_and_keeps_mine_and_the_old_base():
    state = _draft()
    base_dispatch = state.devices["dean-dispatch"]
    _edit(state, "dean-dispatch", {**base_dispatch, "name": "Mine"})
    upstream = [
        {**d, "name": "Theirs"} if d["id"] == "dean-dispatch" else d for d in dean_devices()
    ]
    result = rebase(state, upstream)
    assert result.conflicts == [
        Triple("dean-dispatch", base_dispatch, upstream[2], state.devices["dean-dispatch"])
    ]
    assert state.devices["dean-dispatch"]["name"] == "Mine"
    # both arriving at the same value is no conflict
    state2 = _draft()
    _edit(state2, "dean-dispatch", {**base_dispatch, "name": "Theirs"})
    assert rebase(state2, upstream).conflicts == []


def test_rebase_reports_a_device_they_removed_that_i_changed():
    state = _draft()
    _edit(state, "dean-dispatch", {**state.devices["dean-dispatch"], "name": "Mine"})
    upstream = [d for d in dean_devices() if d["id"] != "dean-dispatch"]
    (conflict,) = rebase(state, upstream).conflicts
    assert conflict.theirs is None and conflict.mine["name"] == "Mine"


def test_created_devices_are_matched_by_content_then_by_type_and_name():
    sent = {"new-1": {"type": "A", "name": "One", "x": 1}, "new-2": {"type": "B", "name": "Two"}}
    fresh = [
        {"id": "u2", "type": "B", "name": "Two", "added": "by upstream"},
        {"id": "u1", "type": "A", "name": "One", "x": 1},
    ]
    assert match_created(sent, fresh) == {"new-1": "u1", "new-2": "u2"}


def test_renaming_new_devices_follows_links():
    state = _draft()
    _edit(state, "new-g", gateway("new-g", name="G"))
    _edit(state, "dean-start", start("dean-start", [DEAN_DDI], "new-g", name="Dean's line"))
    rename(state, {"new-g": "real-g"})
    assert state.devices["real-g"]["id"] == "real-g"
    assert state.devices["dean-start"]["startRoute"]["connectTo"] == "real-g"


def test_an_export_over_the_upstream_keeps_known_ids_and_makes_others_new():
    upstream = dean_devices()
    exported = [
        upstream[0],
        gateway("gone", name="Old gateway"),
        start("s2", [], "gone", name="Second start"),
    ]
    wanted = new_draft_from(exported, upstream)
    ids = list(wanted)
    assert ids[0] == "dean-start" and ids[1].startswith("new-") and ids[2].startswith("new-")
    assert wanted[ids[2]]["startRoute"]["connectTo"] == ids[1]


def test_a_loop_of_removed_devices_is_cut_before_the_removals():
    state = _draft()
    _edit(state, "dean-start", start("dean-start", [DEAN_DDI], "HANGUP", name="Dean's line"))
    _edit(
        state,
        "dean-dispatch",
        {
            **state.devices["dean-dispatch"],
            "sipGateway": {
                **state.devices["dean-dispatch"]["sipGateway"],
                "onNoAnswer": "HANGUP",
                "onBusy": "HANGUP",
            },
        },
    )
    for device_id in ("dean-menu", "dean-queue", "dean-voicemail"):
        _edit(state, device_id, None)
    state2 = _draft([menu("a", [(1, "b")], name="A"), menu("b", [(1, "a")], name="B")])
    _edit(state2, "a", None)
    _edit(state2, "b", None)
    calls = plan(state2.base, state2.devices).calls
    assert [(c.step, c.method) for c in calls] == [
        ("unlink", "PUT"),
        ("remove", "DELETE"),
        ("remove", "DELETE"),
    ]
    first_removed = calls[1].device_id
    assert calls[0].device_id != first_removed
    assert calls[0].held == ("ivrMenu.options.0.connectTo",)
    removed = [c.device_id for c in plan(state.base, state.devices).calls if c.method == "DELETE"]
    assert removed == ["dean-menu", "dean-queue", "dean-voicemail"]


def test_imported_ids_become_draft_ids_the_editor_urls_accept():
    wanted = new_draft_from([gateway("a b/../é", name="Odd")], [])
    (draft_id,) = wanted
    assert draft_id == "new-1-ab" and wanted[draft_id]["id"] == draft_id
