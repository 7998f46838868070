"""What the editor works out again after a change, from what it had (`findings.revalidate`,
`layout(…, previous=…)`, `layout.repinned`), equals what it would work out from nothing, after
any sequence of edits, moves, undos and redos (pure, no Django)."""

import json
import random

from flows.model import edit
from flows.model.draft import DraftState
from flows.model.findings import check, revalidate, validate
from flows.model.graph import parse, reparse
from flows.model.layout import Layout, layout, repinned
from tests.flows.synthetic import make_devices


def drawn(placed: Layout) -> dict:
    """Everything a drawing reads of a layout (a link's label is not part of its equality)."""
    return {
        "positions": placed.positions,
        "terminals": [(link, link.label, x, y) for link, x, y in placed.terminals],
        "size": (placed.width, placed.height),
        "layers": placed.layers,
        "order": placed.order,
        "heights": placed.heights,
        "band_of": placed.band_of,
        "bands": placed.bands,
        "row_of": placed.row_of,
        "rows": placed.rows,
        "columns": placed.columns,
    }


def looping(state: DraftState, device_id: str, rng: random.Random) -> edit.Change:
    """The device as one of a type the dashboard does not know, with one way out to another
    device: pairs of them make loops no call can leave, and undoing makes them leave again."""
    loops = [key for key, device in state.devices.items() if device.get("type") == "X_LOOP"]
    target = rng.choice([*loops, device_id] if rng.random() < 0.8 else list(state.devices))
    raw = {"type": "X_LOOP", "name": f"loop {rng.randrange(1000)}", "xLoop": {"connectTo": target}}
    return edit.replace(state, device_id, json.dumps(raw))


def random_change(state: DraftState, rng: random.Random, step: int):
    ids = list(state.devices)
    device_id = rng.choice(ids)
    ports = edit.ports(state.devices[device_id], state.devices)
    roll = rng.random()
    if roll < 0.2 and ports:
        path, _ = rng.choice(ports)
        return edit.connect(state, device_id, path, rng.choice([*ids, "HANGUP", "VOICEMAIL"]))
    if roll < 0.3:
        return edit.delete(state, device_id)
    if roll < 0.4:
        return edit.add_device(state, rng.choice(["SIP_GATEWAY", "QUEUE", "ROUTE_START"]), "n")
    if roll < 0.45:
        return edit.duplicate(state, device_id)
    if roll < 0.55:
        return edit.set_fields(state, device_id, {"name": [f"renamed {step}"]})
    if roll < 0.6:
        return edit.set_fields(state, device_id, {"extension": [rng.choice(["600", "601", ""])]})
    if roll < 0.7:
        return looping(state, device_id, rng)
    if roll < 0.85:
        return edit.move(state, device_id, rng.randrange(0, 6000), rng.randrange(0, 6000))
    return None


def test_findings_and_layout_after_random_steps_equal_those_worked_out_from_nothing():
    devices, ddis, trunks = make_devices(150, seed=11)
    devices = [*devices, "not a device"]
    flow = parse(devices, ddis, trunks)
    state = DraftState.start(devices, layout(flow).positions)
    checked = check(flow)
    placed = layout(flow, state.positions)
    rng = random.Random(5)
    kinds = {"loops": 0, "relaid": 0, "moved": 0}
    for step in range(400):
        try:
            change = random_change(state, rng, step)
        except edit.EditRefused:
            continue
        if change is not None:
            applied = state.commit(change)
        else:
            applied = state.step_back() if rng.random() < 0.6 else state.step_forward()
        if applied is None:
            continue
        if applied.devices:
            previous = flow
            flow = reparse(flow, state.device_list(), applied.devices)
            checked = revalidate(checked, previous, flow)
            placed = layout(flow, state.positions, previous=placed)
            kinds["relaid"] += 1
        else:
            placed = repinned(placed, flow, state.positions, applied.positions)
            kinds["moved"] += 1
        assert checked.findings == validate(parse(state.device_list(), ddis, trunks))
        assert [f.message for f in checked.findings] == [f.message for f in validate(flow)]
        assert drawn(placed) == drawn(layout(flow, state.positions))
        kinds["loops"] += any(f.code == "closed_loop" for f in checked.findings)
    # the walk went where it had to: loops found, bands laid out again, cards moved
    assert kinds["loops"] > 10 and kinds["relaid"] > 100 and kinds["moved"] > 30


def test_a_renamed_device_in_a_loop_is_named_anew_in_every_loop_finding():
    devices = [
        {"id": "a", "type": "X_LOOP", "name": "Alpha", "xLoop": {"connectTo": "b"}},
        {"id": "b", "type": "X_LOOP", "name": "Beta", "xLoop": {"connectTo": "a"}},
    ]
    state = DraftState.start(devices, {})
    flow = parse(state.device_list())
    checked = check(flow)
    assert any("Alpha" in f.message for f in checked.findings if f.device_id == "b")
    applied = state.commit(edit.set_fields(state, "a", {"name": ["Gamma"]}))
    after = reparse(flow, state.device_list(), applied.devices)
    checked = revalidate(checked, flow, after)
    loop = [f.message for f in checked.findings if f.code == "closed_loop"]
    assert loop and all("Gamma" in message and "Alpha" not in message for message in loop)
    assert checked.findings == validate(after)


def test_a_way_out_added_to_a_loop_without_changing_its_links_between_devices_opens_it():
    devices = [
        {"id": "a", "type": "X_LOOP", "name": "Alpha", "xLoop": {"connectTo": "b"}},
        {"id": "b", "type": "X_LOOP", "name": "Beta", "xLoop": {"connectTo": "a"}},
    ]
    state = DraftState.start(devices, {})
    flow = parse(state.device_list())
    checked = check(flow)
    assert any(f.code == "closed_loop" for f in checked.findings)
    raw = {**devices[0], "xLoop": {"connectTo": "b", "onFail": "HANGUP"}}
    applied = state.commit(edit.replace(state, "a", json.dumps(raw)))
    after = reparse(flow, state.device_list(), applied.devices)
    checked = revalidate(checked, flow, after)
    assert not any(f.code == "closed_loop" for f in checked.findings)
    assert checked.findings == validate(after)


def test_a_layout_after_a_move_reuses_every_band_and_moves_only_that_card():
    devices, ddis, trunks = make_devices(60, seed=2)
    flow = parse(devices, ddis, trunks)
    pins = dict(layout(flow).positions)
    placed = layout(flow, pins)
    mover = next(iter(flow.devices))
    pins[mover] = (4800, 4800)
    moved = repinned(placed, flow, pins, [mover])
    assert moved.positions[mover] == (4800, 4800)
    assert moved.bands is placed.bands and moved.laid_bands is placed.laid_bands
    assert drawn(moved) == drawn(layout(flow, pins))
