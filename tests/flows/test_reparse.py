"""`graph.reparse` gives the flow `parse` would, after any edit of a draft (pure, no Django)."""

import random

from flows.model import edit
from flows.model.draft import DraftState
from flows.model.graph import parse, reparse
from tests.flows.synthetic import make_devices


def same(left, right) -> None:
    assert list(left.devices) == list(right.devices)
    for device_id, device in left.devices.items():
        other = right.devices[device_id]
        assert (device.raw, device.index, device.type, device.name) == (
            other.raw,
            other.index,
            other.type,
            other.name,
        )
    assert left.links == right.links
    assert [link.label for link in left.links] == [link.label for link in right.links]
    # the links by device, as reparse keeps them without reading every link again
    for device_id in {*left.devices, *right.devices, *(link.target for link in right.links)}:
        assert left.outgoing(device_id) == right.outgoing(device_id)
        assert left.incoming(device_id) == right.incoming(device_id)
    assert [(s.index, s.reason) for s in left.skipped] == [
        (s.index, s.reason) for s in right.skipped
    ]


def test_reparse_after_random_edits_equals_parse():
    devices, ddis, trunks = make_devices(120, seed=3)
    devices = [*devices, "not a device", {"no": "id"}]
    state = DraftState.start(devices, {})
    flow = parse(state.device_list(), ddis, trunks)
    rng = random.Random(7)
    for step in range(300):
        ids = list(state.devices)
        device_id = rng.choice(ids)
        ports = edit.ports(state.devices[device_id], state.devices)
        roll = rng.random()
        try:
            if roll < 0.25 and ports:
                path, _ = rng.choice(ports)
                to = rng.choice([*ids, "HANGUP"])
                change = edit.connect(state, device_id, path, to)
            elif roll < 0.4:
                change = edit.delete(state, device_id)
            elif roll < 0.55:
                change = edit.add_device(state, rng.choice(["SIP_GATEWAY", "QUEUE"]), f"n{step}")
            elif roll < 0.65:
                change = edit.duplicate(state, device_id)
            elif roll < 0.75:
                change = edit.set_fields(state, device_id, {"name": [f"renamed {step}"]})
            else:
                change = None
        except edit.EditRefused:
            continue
        if change is not None:
            applied = state.commit(change)
        else:
            applied = state.step_back() if rng.random() < 0.6 else state.step_forward()
        if applied is None:
            continue
        flow = reparse(flow, state.device_list(), applied.devices)
        same(flow, parse(state.device_list(), ddis, trunks))
