from flows.model.draft import Change, DraftState, device_hash
from tests.flows.builders import dean_devices


def test_a_hash_ignores_key_order_but_not_values():
    assert device_hash({"a": 1, "b": [1, 2]}) == device_hash({"b": [1, 2], "a": 1})
    assert device_hash({"a": 1}) != device_hash({"a": 2})


def test_undo_returns_the_base_and_redo_the_edit_keeping_list_order():
    devices = dean_devices()
    draft = DraftState.start(devices, {})
    first, second = list(draft.devices)[:2]
    renamed = {**draft.devices[second], "name": "Renamed"}
    draft.commit(Change("Rename", {second: (1, draft.devices[second], renamed)}))
    draft.commit(Change("Delete", {first: (0, draft.devices[first], None)}, {first: (None, None)}))
    assert list(draft.devices)[0] == second and draft.devices[second]["name"] == "Renamed"

    draft.step_back()
    draft.step_back()
    assert list(draft.devices.values()) == devices
    draft.step_forward()
    assert draft.devices[second]["name"] == "Renamed"
    assert list(draft.devices)[:2] == [first, second]


def test_a_draft_survives_json():
    draft = DraftState.start(dean_devices(), {"x": (1, 2)})
    device_id = next(iter(draft.devices))
    draft.commit(Change("Move", {}, {device_id: (None, (5, 6))}))
    again = DraftState.from_json(draft.to_json())
    assert again.devices == draft.devices and again.positions == draft.positions
    assert again.step_back().label == "Move" and device_id not in again.positions


def test_an_edit_that_changes_nothing_is_not_kept():
    draft = DraftState.start(dean_devices(), {})
    device_id, device = next(iter(draft.devices.items()))
    assert draft.commit(Change("Nothing", {device_id: (0, device, device)})) is None
    assert draft.undo == []
