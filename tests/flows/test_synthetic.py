from collections import Counter

from flows.model.findings import strongly_connected, validate
from flows.model.graph import parse
from tests.flows.synthetic import make_devices


def test_it_makes_exactly_n_devices_with_unique_ids_deterministically():
    for size in (1, 7, 100, 1000):
        devices, ddis, trunks = make_devices(size)
        assert len(devices) == size
        assert len({device["id"] for device in devices}) == size
        assert make_devices(size) == (devices, ddis, trunks)
    assert make_devices(100, seed=1) != make_devices(100, seed=2)


def test_a_synthetic_account_is_a_realistic_flow():
    devices, ddis, trunks = make_devices(1000, seed=5)
    flow = parse(devices, ddis, trunks)
    findings = validate(flow)

    types = Counter(device.type for device in flow.devices.values())
    assert {"ROUTE_START", "IVR_MENU", "SIP_GATEWAY", "QUEUE", "VOICEMAIL", "TIME_SWITCH"} <= set(
        types
    )
    kinds = Counter(link.kind for link in flow.links)
    assert kinds["device"] > 0 and kinds["terminal"] > 0 and kinds["dangling"] == 0
    assert any(link.source == link.target for link in flow.links)
    assert any(len(component) > 1 for component in strongly_connected(flow))
    # it is a working account: nothing broken, a few leftovers and spare numbers to warn about
    assert [finding for finding in findings if finding.severity == "error"] == []
    codes = Counter(finding.code for finding in findings)
    assert codes["unreachable"] > 0 and codes["ddi_unrouted"] > 0
