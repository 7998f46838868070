import re

from flows.model.devicetypes import OTHER, TYPES, device_type, looks, stylesheet, type_label
from flows.model.graph import KNOWN_PORTS, KNOWN_TYPES, parse
from flows.model.layout import layout
from flows.model.svg import STYLE, render
from tests.flows.builders import dean_devices


def test_the_documented_types_are_the_known_types_of_the_graph():
    assert KNOWN_TYPES == {"ROUTE_START": "startRoute", "SIP_GATEWAY": "sipGateway"}
    assert KNOWN_PORTS["SIP_GATEWAY"] == ("onComplete", "onNoAnswer", "onBusy", "onFail")


def test_a_new_device_of_a_documented_type_has_every_port_set_to_hangup():
    for kind in ("ROUTE_START", "SIP_GATEWAY"):
        settings = TYPES[kind].new_settings()
        assert all(settings[port] == "HANGUP" for port in TYPES[kind].ports)
        settings["extra"] = 1
        assert "extra" not in TYPES[kind].new_settings()  # a copy each time


def test_a_type_the_table_does_not_list_is_named_from_its_spelling_and_drawn_plainly():
    assert type_label("CALL_PARK") == "Call park"
    assert device_type("CALL_PARK").look == OTHER.look
    assert device_type("CALL_PARK").settings_key == "callPark"


def test_the_page_stylesheet_and_the_svg_export_colour_each_type_alike():
    css = stylesheet()
    for look in looks():
        assert f".{look.look}{{--c:{look.colour}}}" in css
        assert f".{look.look}{{--c:{look.dark_colour}}}" in css
        assert f".{look.look} rect{{fill:{look.fill};stroke:{look.colour}}}" in STYLE


def test_every_card_of_the_canvas_carries_the_look_of_its_type():
    flow = parse(dean_devices())
    svg = render(flow, layout(flow))
    for device in flow.devices.values():
        match = re.search(rf'class="device ([\w-]+)" data-device-id="{device.id}"', svg)
        assert match and match.group(1) == device_type(device.type).look


def test_the_stylesheet_is_served_to_every_page(client):
    response = client.get("/flow/device-types.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode() == stylesheet()
    assert 'href="/flow/device-types.css"' in client.get("/login/").content.decode()
