"""Every editing operation on a draft, and the property that any sequence of them undone returns
the base and redone returns the end."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.model import edit
from flows.model.draft import NEW_PREFIX, DraftState
from flows.model.edit import EditRefused, NoSuchDevice
from flows.model.findings import validate
from flows.model.graph import parse
from tests.flows.builders import dean_devices


def draft() -> DraftState:
    devices = dean_devices()
    devices[3]["queue"]["futureField"] = {"nested": [1, "two", None]}  # unknown to us, kept
    return DraftState.start(devices, {d["id"]: (10 * i, 20 * i) for i, d in enumerate(devices)})


def commit(state, change):
    assert state.commit(change) is change
    return change


def test_adding_a_documented_type_gives_its_table_settings_and_a_free_extension():
    state = draft()
    change = commit(state, edit.add_device(state, "SIP_GATEWAY", "Night desk", 400, 120))
    (new_id,) = change.devices
    device = state.devices[new_id]
    assert new_id.startswith(NEW_PREFIX)
    assert device["sipGateway"]["onBusy"] == "HANGUP" and device["sipGateway"]["trunks"] == []
    assert device["name"] == "Night desk" and device["extension"] == "702"
    assert state.positions[new_id] == (400, 120)


def test_adding_a_type_the_account_uses_copies_its_shape_without_its_wiring():
    state = draft()
    change = commit(state, edit.add_device(state, "QUEUE", ""))
    device = state.devices[next(iter(change.devices))]
    assert device["name"] == "New queue"
    assert device["queue"]["onTimeout"] == "HANGUP" and device["queue"]["maxWait"] == 300
    assert device["queue"]["futureField"] == {"nested": []}


@pytest.mark.parametrize("type_name", ["", "sip gateway", "<script>", "A" * 80])
def test_a_made_up_type_name_is_refused(type_name):
    with pytest.raises(EditRefused) as refused:
        edit.add_device(draft(), type_name, "x")
    assert "type" in refused.value.errors


def test_duplicate_copies_links_but_not_a_starts_numbers():
    state = draft()
    change = commit(state, edit.duplicate(state, "dean-start"))
    copy_ = state.devices[next(iter(change.devices))]
    assert copy_["startRoute"] == {"ddis": [], "connectTo": "dean-menu"}
    assert copy_["name"] == "Dean's line (copy)" and copy_["id"] != "dean-start"


def test_delete_leaves_links_into_the_device_as_findings_with_a_fix():
    state = draft()
    commit(state, edit.delete(state, "dean-voicemail"))
    assert "dean-voicemail" not in state.devices and "dean-voicemail" not in state.positions
    dangling = [f for f in validate(parse(state.device_list())) if f.code == "dangling_link"]
    assert {f.device_id for f in dangling} == {"dean-dispatch", "dean-queue"}
    commit(state, edit.send_to_hangup(state, "dean-queue", "queue.onTimeout"))
    assert state.devices["dean-queue"]["queue"]["onTimeout"] == "HANGUP"


def test_set_fields_coerces_to_each_fields_json_type_and_keeps_the_rest():
    state = draft()
    before = copy.deepcopy(state.devices["dean-menu"])
    commit(
        state,
        edit.set_fields(
            state,
            "dean-menu",
            {
                "name": ["Main menu"],
                "ivrMenu.timeout": ["7"],
                "ivrMenu.options[1].digit": ["3"],
            },
        ),
    )
    after = state.devices["dean-menu"]
    assert after["name"] == "Main menu" and after["ivrMenu"]["timeout"] == 7
    assert after["ivrMenu"]["options"][1] == {"digit": "3", "connectTo": "dean-queue"}
    after_rest = {k: v for k, v in after["ivrMenu"].items() if k not in ("timeout", "options")}
    assert after_rest == {
        k: v for k, v in before["ivrMenu"].items() if k not in ("timeout", "options")
    }


def test_a_gateway_form_sets_booleans_by_the_last_value_and_lists_by_repeats():
    state = draft()
    commit(
        state,
        edit.set_fields(
            state,
            "dean-dispatch",
            {
                "sipGateway.record": ["false", "true"],
                "sipGateway.trunks": ["", "t1", "t2", "t1"],
            },
        ),
    )
    gateway = state.devices["dean-dispatch"]["sipGateway"]
    assert gateway["record"] is True and gateway["trunks"] == ["t1", "t2"]
    commit(
        state,
        edit.set_fields(
            state, "dean-dispatch", {"sipGateway.record": ["false"], "sipGateway.trunks": [""]}
        ),
    )
    assert gateway is not state.devices["dean-dispatch"]["sipGateway"]
    assert state.devices["dean-dispatch"]["sipGateway"]["trunks"] == []
    assert state.devices["dean-dispatch"]["sipGateway"]["record"] is False


def test_invalid_fields_are_refused_each_with_its_reason_and_nothing_changes():
    state = draft()
    before = copy.deepcopy(state.devices)
    with pytest.raises(EditRefused) as refused:
        edit.set_fields(
            state,
            "dean-dispatch",
            {
                "sipGateway.ringTime": ["soon"],
                "sipGateway.nothing": ["1"],
                "id": ["other"],
                "sipGateway": ["{}"],
                "name": ["evil\u202egnp.exe"],
                "a..b": ["1"],
            },
        )
    assert set(refused.value.errors) == {
        "sipGateway.ringTime",
        "sipGateway.nothing",
        "id",
        "sipGateway",
        "name",
        "a..b",
    }
    assert state.devices == before and state.undo == []


def test_connect_points_a_port_at_a_device_or_a_terminal_and_refuses_others():
    state = draft()
    commit(state, edit.connect(state, "dean-menu", "ivrMenu.options[0].connectTo", "dean-queue"))
    assert state.devices["dean-menu"]["ivrMenu"]["options"][0]["connectTo"] == "dean-queue"
    commit(state, edit.connect(state, "dean-menu", "ivrMenu.onTimeout", "dean-voicemail"))
    assert state.devices["dean-menu"]["ivrMenu"]["onTimeout"] == "dean-voicemail"
    with pytest.raises(EditRefused) as refused:
        edit.connect(state, "dean-menu", "ivrMenu.onTimeout", "no-such-device")
    assert "to" in refused.value.errors
    with pytest.raises(EditRefused) as refused:
        edit.connect(state, "dean-menu", "ivrMenu.prompt", "HANGUP")
    assert "port" in refused.value.errors
    with pytest.raises(NoSuchDevice):
        edit.connect(state, "nobody", "connectTo", "HANGUP")


def test_replace_takes_any_json_object_but_keeps_the_id():
    state = draft()
    raw = {"id": "dean-queue", "type": "CALL_PARK", "name": "Park", "callPark": {"slots": 3}}
    commit(state, edit.replace(state, "dean-queue", json.dumps(raw)))
    assert state.devices["dean-queue"] == raw
    for text, words in (
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"id": "x", "type": "Q"}', "keeps its id"),
        ('{"name": 1}', "type"),
    ):
        with pytest.raises(EditRefused) as refused:
            edit.replace(state, "dean-queue", text)
        assert words in refused.value.errors["raw"]


def test_move_and_arrange_change_positions_only():
    state = draft()
    devices = copy.deepcopy(state.devices)
    commit(state, edit.move(state, "dean-menu", "300.7", 44))
    assert state.positions["dean-menu"] == (300, 44)
    with pytest.raises(EditRefused):
        edit.move(state, "dean-menu", "left", 1)
    commit(state, edit.arrange(state, {"dean-menu": (0, 0), "dean-start": (9, 9), "ghost": (1, 1)}))
    assert state.positions["dean-menu"] == (0, 0) and "ghost" not in state.positions
    assert state.devices == devices
    assert state.step_back().label == "Arrange the flow"
    assert state.positions["dean-menu"] == (300, 44)


def test_ports_follow_the_link_rule():
    device = dean_devices()[1]
    found = edit.ports(device, {"dean-dispatch", "dean-queue", "dean-menu"})
    assert sorted(found) == [
        ("ivrMenu.onNoMatch", "dean-menu"),
        ("ivrMenu.onTimeout", "HANGUP"),
        ("ivrMenu.options[0].connectTo", "dean-dispatch"),
        ("ivrMenu.options[1].connectTo", "dean-queue"),
    ]
    # a field holding another device's id links too, whatever its name
    device["ivrMenu"]["fallback"] = "dean-queue"
    assert ("ivrMenu.fallback", "dean-queue") in edit.ports(device, {"dean-queue"})
    assert ("ivrMenu.fallback", "dean-queue") not in edit.ports(device, set())


def test_history_keeps_well_over_a_hundred_steps():
    state = draft()
    for step in range(150):
        commit(state, edit.move(state, "dean-menu", step, step))
    for _ in range(150):
        assert state.step_back() is not None
    assert state.positions["dean-menu"] == (10, 20)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["add", "duplicate", "delete", "fields", "connect", "move", "replace", "undo", "redo"]
        ),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=25,
)


def operate(state: DraftState, name: str, pick: int) -> None:
    ids = list(state.devices)
    device_id = ids[pick % len(ids)] if ids else None
    try:
        if name == "undo":
            state.step_back()
        elif name == "redo":
            state.step_forward()
        elif name == "add":
            state.commit(
                edit.add_device(
                    state, ["SIP_GATEWAY", "ROUTE_START", "QUEUE", "X_NEW"][pick % 4], ""
                )
            )
        elif device_id is None:
            return
        elif name == "duplicate":
            state.commit(edit.duplicate(state, device_id))
        elif name == "delete":
            state.commit(edit.delete(state, device_id))
        elif name == "fields":
            state.commit(edit.set_fields(state, device_id, {"name": [f"n{pick}"]}))
        elif name == "connect":
            links = edit.ports(state.devices[device_id], state.devices)
            if links:
                target = ids[(pick * 7) % len(ids)]
                state.commit(edit.connect(state, device_id, links[pick % len(links)][0], target))
        elif name == "move":
            state.commit(edit.move(state, device_id, pick * 24, pick * 12))
        elif name == "replace":
            raw = {**state.devices[device_id], "extra": pick}
            state.commit(edit.replace(state, device_id, json.dumps(raw)))
    except EditRefused:
        pass


@settings(max_examples=150, deadline=None)
@given(OPERATIONS)
def test_any_sequence_undone_returns_the_base_and_redone_returns_the_end(operations):
    state = draft()
    base_devices, base_positions = copy.deepcopy(state.devices), dict(state.positions)
    for name, pick in operations:
        operate(state, name, pick)
    end_devices, end_positions = copy.deepcopy(state.devices), dict(state.positions)
    end_order = list(state.devices)
    steps = len(state.undo)

    for _ in range(steps):
        state.step_back()
    assert state.devices == base_devices and list(state.devices) == list(base_devices)
    assert state.positions == base_positions
    assert state.step_back() is None
    for _ in range(steps):
        state.step_forward()
    assert state.devices == end_devices and list(state.devices) == end_order
    assert state.positions == end_positions
    # and through JSON, as the database keeps it
    again = DraftState.from_json(json.loads(json.dumps(state.to_json())))
    assert again.devices == end_devices
