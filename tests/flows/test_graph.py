import copy

from hypothesis import given, settings

from flows.model.graph import (
    KNOWN_TYPES,
    LINK_KINDS,
    PORT_LABELS,
    Link,
    parse,
    port_label,
    type_label,
)
from tests.flows.builders import (
    DARREN_DDI,
    DARREN_DDI_SPARE,
    DARREN_GATEWAY,
    DARREN_START,
    DARREN_TRUNK,
    darren_ddis,
    darren_devices,
    darren_trunks,
    ddi_lists,
    dean_devices,
    device_lists,
    gateway,
    menu,
    other,
    start,
    trunk_lists,
)


def test_the_pages_two_devices_parse_exactly():
    devices = darren_devices()
    flow = parse(devices, darren_ddis(), darren_trunks())

    assert list(flow.devices) == [DARREN_GATEWAY, DARREN_START]
    gw, begin = flow.devices[DARREN_GATEWAY], flow.devices[DARREN_START]
    assert (gw.type, gw.name, gw.extension) == ("SIP_GATEWAY", "Primary GW", "601")
    assert (begin.type, begin.name, begin.extension) == ("ROUTE_START", "Start of Flow", "600")
    assert gw.raw is devices[0] and begin.raw is devices[1]
    assert gw.settings_key == "sipGateway" and gw.settings is devices[0]["sipGateway"]
    assert begin.ddis == (DARREN_DDI,) and gw.trunks == (DARREN_TRUNK,)
    assert begin.trunks == () and gw.ddis == ()
    assert flow.links == [
        Link(DARREN_GATEWAY, "HANGUP", "onComplete", "sipGateway.onComplete", "terminal"),
        Link(DARREN_GATEWAY, "HANGUP", "onNoAnswer", "sipGateway.onNoAnswer", "terminal"),
        Link(DARREN_GATEWAY, "HANGUP", "onBusy", "sipGateway.onBusy", "terminal"),
        Link(DARREN_GATEWAY, "HANGUP", "onFail", "sipGateway.onFail", "terminal"),
        Link(DARREN_START, DARREN_GATEWAY, "connectTo", "startRoute.connectTo", "device"),
    ]
    assert flow.starts == [DARREN_START]
    assert flow.ddis == {DARREN_DDI: "441234567890", DARREN_DDI_SPARE: "441234567891"}
    assert flow.trunks == {DARREN_TRUNK: darren_trunks()[0]}
    assert flow.ddi_routes == {DARREN_DDI: [DARREN_START], DARREN_DDI_SPARE: []}
    assert [link.port for link in flow.incoming(DARREN_GATEWAY)] == ["connectTo"]
    assert flow.incoming(DARREN_START) == ()
    assert flow.reachable == {DARREN_START, DARREN_GATEWAY}
    assert flow.skipped == []


def test_dean_style_menu_links_in_document_order_with_digits_as_labels():
    flow = parse(dean_devices())

    links = flow.outgoing("dean-menu")
    assert [(link.path, link.target, link.kind, link.label) for link in links] == [
        ("ivrMenu.options[0].connectTo", "dean-dispatch", "device", "press 1"),
        ("ivrMenu.options[1].connectTo", "dean-queue", "device", "press 2"),
        ("ivrMenu.onTimeout", "HANGUP", "terminal", "timeout"),
        ("ivrMenu.onNoMatch", "dean-menu", "device", "no match"),
    ]
    assert flow.devices["dean-menu"].settings_key == "ivrMenu"
    assert [link.target for link in flow.outgoing("dean-queue")] == ["dean-voicemail"]
    assert [link.port for link in flow.outgoing("dean-dispatch")] == [
        "onComplete",
        "onNoAnswer",
        "onBusy",
        "onFail",
    ]
    assert {link.source for link in flow.incoming("dean-voicemail")} == {
        "dean-dispatch",
        "dean-queue",
    }


def test_known_ports_come_first_in_defined_order_then_the_rest_in_document_order():
    device = {
        "id": "gw",
        "type": "SIP_GATEWAY",
        "name": "GW",
        "sipGateway": {
            "onFail": "HANGUP",
            "overflow": "vm",
            "onBusy": "vm",
            "onComplete": "HANGUP",
            "onNoAnswer": "vm",
            "onRecordingDone": "HANGUP",
        },
    }
    flow = parse([device, other("vm", "VOICEMAIL", "voicemail")])

    assert [link.port for link in flow.outgoing("gw")] == [
        "onComplete",
        "onNoAnswer",
        "onBusy",
        "onFail",
        "overflow",
        "onRecordingDone",
    ]


def test_on_capital_and_connect_to_fields_are_ports_other_names_are_not():
    device = other(
        "x",
        "MYSTERY",
        "mystery",
        onTimeout="HANGUP",
        onNoMatch="REPEAT_MENU",
        connectTo="VOICEMAIL_MAIN",
        once="HANGUP",
        onx="HANGUP",
        on="HANGUP",
        connect_to="HANGUP",
        present="PASS_THROUGH",
    )
    flow = parse([device])

    assert [(link.port, link.target, link.kind) for link in flow.links] == [
        ("onTimeout", "HANGUP", "terminal"),
        ("onNoMatch", "REPEAT_MENU", "terminal"),
        ("connectTo", "VOICEMAIL_MAIN", "terminal"),
    ]


def test_any_string_field_holding_a_device_id_links_to_it_wherever_it_is_nested():
    device = other(
        "sw",
        "TIME_SWITCH",
        "timeSwitch",
        rules=[
            {"days": "MON-FRI", "connectTo": "gw"},
            {"days": "SAT", "targets": ["vm", "HANGUP", {"fallback": "gw"}]},
        ],
        onClosed="vm",
        holiday={"calendar": "UK", "device": "vm"},
    )
    flow = parse([device, gateway("gw"), other("vm", "VOICEMAIL", "voicemail")])

    assert [(link.path, link.port, link.target) for link in flow.outgoing("sw")] == [
        ("timeSwitch.rules[0].connectTo", "connectTo", "gw"),
        ("timeSwitch.rules[1].targets[0]", "targets", "vm"),
        ("timeSwitch.rules[1].targets[2].fallback", "fallback", "gw"),
        ("timeSwitch.onClosed", "onClosed", "vm"),
        ("timeSwitch.holiday.device", "device", "vm"),
    ]
    # "HANGUP" in a list under a field that is not a port names nothing
    assert all(link.kind == "device" for link in flow.outgoing("sw"))


def test_a_port_holding_neither_a_device_nor_an_enum_is_dangling():
    device = other(
        "q",
        "QUEUE",
        "queue",
        onTimeout="5f1e0c1a-dead-4bad-beef-000000000000",
        onFull="hangup",
        onBusy="HANGUP2",
        onError="HANG_UP",
    )
    flow = parse([device])

    assert [(link.port, link.kind) for link in flow.links] == [
        ("onTimeout", "dangling"),
        ("onFull", "dangling"),
        ("onBusy", "dangling"),
        ("onError", "terminal"),
    ]


def test_ddi_and_trunk_lists_are_attachments_not_links_even_when_an_id_matches_a_device():
    # ids are opaque: nothing stops a DDI id and a device id from being equal
    devices = [
        start("s", ddis=["gw", "n1"], connect_to="gw"),
        gateway("gw", trunks=["s"]),
    ]
    flow = parse(devices)

    assert [link.path for link in flow.outgoing("s")] == ["startRoute.connectTo"]
    assert [link.kind for link in flow.outgoing("gw")] == ["terminal"] * 4
    assert flow.devices["s"].ddis == ("gw", "n1")
    assert flow.devices["gw"].trunks == ("s",)


def test_ids_names_and_extensions_are_never_links():
    devices = [
        {
            "id": "a",
            "type": "QUEUE",
            "name": "b",
            "extension": "b",
            "queue": {"options": [{"id": "b"}]},
        },
        {"id": "b", "type": "QUEUE", "name": "a", "extension": "a", "queue": {}},
    ]

    assert parse(devices).links == []


def test_a_device_linking_to_itself_is_a_device_link():
    flow = parse([menu("m", onNoMatch="m")])

    assert flow.links == [Link("m", "m", "onNoMatch", "ivrMenu.onNoMatch", "device")]
    assert flow.incoming("m") == tuple(flow.links)


def test_garbage_entries_are_skipped_with_a_reason_and_nothing_crashes():
    devices = [
        None,
        "device",
        {"type": "QUEUE"},
        {"id": "", "type": "QUEUE"},
        {"id": ["x"], "type": "QUEUE"},
        {"id": 7, "type": "QUEUE", "name": None, "extension": 600},
        {"id": "a", "type": None, "name": ["x"], "sipGateway": "nope"},
        {"id": "a", "type": "QUEUE", "name": "again"},
        {"id": "s", "type": "ROUTE_START", "startRoute": "not an object"},
        {"id": "g", "type": "SIP_GATEWAY", "sipGateway": {"trunks": "t1", "onBusy": 5}},
    ]
    flow = parse(devices)

    assert list(flow.devices) == ["7", "a", "s", "g"]
    assert [(entry.index, entry.reason) for entry in flow.skipped] == [
        (0, "not an object"),
        (1, "not an object"),
        (2, "no id"),
        (3, "no id"),
        (4, "no id"),
        (7, "duplicate id"),
    ]
    assert flow.skipped[-1].device_id == "a"
    assert (flow.devices["7"].name, flow.devices["7"].extension) == ("", "600")
    assert flow.devices["a"].type == "" and flow.devices["a"].name == ""
    assert flow.devices["s"].settings is None and flow.devices["s"].settings_key == "startRoute"
    assert flow.devices["g"].trunks == ()
    assert flow.starts == ["s"]


def test_a_device_list_that_is_not_a_list_is_an_empty_flow():
    for devices in (None, {}, "devices", 3, {"devices": []}):
        flow = parse(devices, ddis=None, trunks="x")
        assert flow.devices == {} and flow.links == [] and flow.starts == []


def test_unknown_types_find_their_settings_by_name_or_as_their_one_object():
    flow = parse(
        [
            other("a", "CALL_PARK", "callPark", slot=1),
            {"id": "b", "type": "CALL_RECORDER", "name": "rec", "recorder": {"connectTo": "a"}},
            {"id": "c", "type": "ODD", "first": {}, "second": {}},
        ]
    )

    assert flow.devices["a"].settings_key == "callPark"
    assert flow.devices["b"].settings_key == "recorder"
    assert flow.devices["b"].settings == {"connectTo": "a"}
    assert flow.devices["c"].settings_key is None
    assert flow.devices["a"].known is False and flow.devices["b"].known is False


def test_labels_for_ports_and_types():
    assert port_label("onNoAnswer") == "no answer"
    assert port_label("onRecordingDone") == "recording done"
    assert port_label("fallbackDevice") == "fallback device"
    assert PORT_LABELS["connectTo"] == "next"
    assert type_label("SIP_GATEWAY") == "SIP gateway"
    assert type_label("CALL_PARK") == "Call park"
    assert type_label("") == "Device"
    assert set(KNOWN_TYPES) == {"ROUTE_START", "SIP_GATEWAY"}


@settings(max_examples=300, deadline=None)
@given(device_lists, ddi_lists, trunk_lists)
def test_parse_never_crashes_never_mutates_and_links_are_consistent(devices, ddis, trunks):
    before = copy.deepcopy((devices, ddis, trunks))

    flow = parse(devices, ddis, trunks)

    assert (devices, ddis, trunks) == before
    for link in flow.links:
        assert link.source in flow.devices
        assert link.kind in LINK_KINDS
        assert (link.target in flow.devices) == (link.kind == "device")
        assert not link.path.startswith(("startRoute.ddis", "sipGateway.trunks"))
    for device in flow.devices.values():
        assert any(entry is device.raw for entry in devices)
    assert len(flow.devices) + len(flow.skipped) == len(devices)
