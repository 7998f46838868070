import re
import xml.etree.ElementTree as ET
from collections import Counter

from hypothesis import given, settings

from flows.model.findings import Finding, validate
from flows.model.graph import parse
from flows.model.layout import layout
from flows.model.svg import SvgBuilder, dom_id, escape, render, render_device, render_fragments
from tests.flows.builders import (
    DARREN_GATEWAY,
    DARREN_START,
    darren_ddis,
    darren_devices,
    darren_trunks,
    ddi_lists,
    dean_ddis,
    dean_devices,
    dean_trunks,
    device_lists,
    other,
    start,
    trunk_lists,
)

NS = "{http://www.w3.org/2000/svg}"
HOSTILE_ID = 'x"><script>alert(1)</script>'
HOSTILE_NAME = "<script>alert(\"name\")</script> & 'Co'"


def rendered(devices, ddis=(), trunks=(), standalone=True, pinned=None):
    flow = parse(devices, ddis, trunks)
    placed = layout(flow, pinned)
    return flow, placed, render(flow, placed, validate(flow), standalone=standalone)


def xml_root(markup):
    return ET.fromstring(markup.encode("utf-8"))


def classes(element):
    return element.get("class", "").split()


def devices_in(root):
    return [g for g in root.iter(f"{NS}g") if "device" in classes(g)]


def links_in(root):
    return [path for path in root.iter(f"{NS}path") if "link" in classes(path)]


def hostile_devices():
    return [
        start(HOSTILE_ID, ["n1"], "evil", name=HOSTILE_NAME, extension='6"00'),
        other("evil", "<b>BOLD</b>", "weird", name="Tom & Jerry", onTimeout="gone-<id>"),
    ]


def test_hostile_upstream_values_are_escaped_everywhere():
    ddis = [{"id": "n1", "name": "<img src=x onerror=alert(1)>"}]
    _, _, markup = rendered(hostile_devices(), ddis)

    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup
    root = xml_root(markup)
    by_id = {g.get("data-device-id"): g for g in devices_in(root)}
    assert set(by_id) == {HOSTILE_ID, "evil"}
    assert by_id[HOSTILE_ID].get("aria-label") == f'Start {HOSTILE_NAME}, extension 6"00'
    assert by_id["evil"].get("data-device-type") == "<b>BOLD</b>"
    texts = [text.text for text in by_id[HOSTILE_ID].iter(f"{NS}text")]
    assert "<img src=x onerror=alert(1)>" in texts
    [dangling] = [p for p in links_in(root) if p.get("data-from") == "evil"]
    assert dangling.get("data-to") == "gone-<id>"


def test_characters_xml_cannot_carry_are_replaced_not_passed_through():
    devices = [start("s", ["n"], "HANGUP", name="bell\x07null\x00half\ud800")]

    _, _, markup = rendered(devices)

    root = xml_root(markup)
    [device] = devices_in(root)
    assert device.get("aria-label") == "Start bell\ufffdnull\ufffdhalf\ufffd"


def test_every_device_and_link_carries_its_data_attributes():
    devices = [*dean_devices(), other("lost", "QUEUE", "queue", onTimeout="deleted-id")]
    flow, placed, markup = rendered(devices, dean_ddis(), dean_trunks())

    root = xml_root(markup)

    drawn = devices_in(root)
    assert sorted(g.get("data-device-id") for g in drawn) == sorted(flow.devices)
    for g in drawn:
        device = flow.devices[g.get("data-device-id")]
        assert g.get("data-device-type") == device.type
        assert (g.get("tabindex"), g.get("role")) == ("0", "button")
        assert g.get("aria-label").endswith(
            device.name + (f", extension {device.extension}" if device.extension else "")
        )
        assert g.get("transform") == "translate({},{})".format(*placed.positions[device.id])
    drawn_links = Counter(
        (p.get("data-from"), p.get("data-to"), p.get("data-port")) for p in links_in(root)
    )
    assert drawn_links == Counter((link.source, link.target, link.port) for link in flow.links)
    assert all(p.get("d", "").startswith("M") for p in links_in(root))
    nested = [p.get("data-path") for p in links_in(root) if p.get("data-path")]
    assert nested == ["ivrMenu.options[0].connectTo", "ivrMenu.options[1].connectTo"]


def test_links_to_terminals_end_at_terminal_nodes_and_dangling_links_at_a_missing_marker():
    devices = [*dean_devices(), other("lost", "QUEUE", "queue", onTimeout="deleted-id")]
    flow, _, markup = rendered(devices, dean_ddis(), dean_trunks())

    root = xml_root(markup)

    terminals = [g for g in root.iter(f"{NS}g") if "terminal" in classes(g)]
    expected = [link for link in flow.links if link.kind == "terminal"]
    assert len(terminals) == len(expected) == 4
    assert {g.get("data-terminal") for g in terminals} == {"HANGUP"}
    [missing] = [g for g in root.iter(f"{NS}g") if "missing" in classes(g)]
    assert missing.get("data-missing") == "deleted-id"
    [dangling] = [p for p in links_in(root) if "dangling" in classes(p)]
    assert (dangling.get("data-from"), dangling.get("data-to")) == ("lost", "deleted-id")


def test_each_link_has_a_port_label_near_it():
    flow, _, markup = rendered(dean_devices(), dean_ddis(), dean_trunks())

    labels = [t.text for t in xml_root(markup).iter(f"{NS}text") if "pl" in classes(t)]

    assert Counter(labels) == Counter(link.label for link in flow.links)
    assert {"press 1", "press 2", "no answer", "busy", "no match"} <= set(labels)


def test_each_known_look_has_its_class_and_other_types_look_unknown():
    devices = [
        *dean_devices(),
        other("sw", "TIME_SWITCH", "timeSwitch"),
        other("odd", "CALL_PARK", "callPark"),
        {"id": "none", "name": "typeless"},
    ]
    _, _, markup = rendered(devices)

    looks = {g.get("data-device-id"): classes(g)[1] for g in devices_in(xml_root(markup))}

    assert looks == {
        "dean-start": "t-route-start",
        "dean-menu": "t-ivr-menu",
        "dean-dispatch": "t-sip-gateway",
        "dean-queue": "t-queue",
        "dean-voicemail": "t-voicemail",
        "sw": "t-time-switch",
        "odd": "t-unknown",
        "none": "t-unknown",
    }


def test_cards_show_the_essentials_of_their_type():
    _, _, markup = rendered(darren_devices(), darren_ddis(), darren_trunks())
    _, _, dean_markup = rendered(dean_devices(), dean_ddis(), dean_trunks())

    def essentials(root):
        return {
            g.get("data-device-id"): [t.text for t in g.iter(f"{NS}text") if "es" in classes(t)]
            for g in devices_in(root)
        }

    assert essentials(xml_root(markup)) == {
        DARREN_GATEWAY: ["Primary IP Address 1.1.1.1"],
        DARREN_START: ["441234567890"],
    }
    assert essentials(xml_root(dean_markup))["dean-menu"] == ["2 options"]


def test_devices_with_findings_carry_a_marker_titled_with_the_messages():
    devices = darren_devices()
    devices[0]["extension"] = devices[1]["extension"]
    flow = parse(devices, darren_ddis()[:1], [])
    findings = validate(flow)

    root = xml_root(render(flow, layout(flow), findings, standalone=True))

    markers = {
        g.get("data-device-id"): (
            classes(g.find(f"{NS}circle")),
            g.find(f"{NS}circle/{NS}title").text,
        )
        for g in devices_in(root)
        if g.find(f"{NS}circle") is not None
    }
    assert markers[DARREN_GATEWAY][0] == ["marker", "error"]
    assert "trunk" in markers[DARREN_GATEWAY][1] and "extension 600" in markers[DARREN_GATEWAY][1]
    assert markers[DARREN_START][0] == ["marker", "warning"]
    clean = parse(darren_devices(), darren_ddis()[:1], darren_trunks())
    assert 'class="marker' not in render(clean, layout(clean), validate(clean))


def test_info_findings_alone_draw_no_marker():
    flow = parse(darren_devices(), darren_ddis()[:1], darren_trunks())
    note = Finding("info", "unknown_type", DARREN_GATEWAY, None, "just so you know")

    assert 'class="marker' not in render(flow, layout(flow), [note])


def test_everything_sits_in_one_viewport_group():
    for standalone in (True, False):
        flow, _, markup = rendered(
            dean_devices(), dean_ddis(), dean_trunks(), standalone=standalone
        )
        root = xml_root(markup)

        groups = [child for child in root if child.tag == f"{NS}g"]
        assert [g.get("id") for g in groups] == ["viewport"]
        viewport = groups[0]
        assert len(devices_in(viewport)) == len(flow.devices)
        assert len(links_in(viewport)) == len(flow.links)
        assert [child.tag for child in root if child.tag != f"{NS}g"] == (
            [f"{NS}title", f"{NS}style", f"{NS}defs"] if standalone else [f"{NS}defs"]
        )
        assert root.find(f"{NS}defs/{NS}marker").get("id") == "ah"


def test_standalone_output_is_a_complete_svg_document():
    flow, placed, markup = rendered(dean_devices(), dean_ddis(), dean_trunks())

    assert markup.startswith("<?xml")
    root = xml_root(markup)
    assert root.tag == f"{NS}svg"
    assert (root.get("width"), root.get("height")) == (str(placed.width), str(placed.height))
    assert root.get("viewBox") == f"0 0 {placed.width} {placed.height}"
    assert root.find(f"{NS}title").text == "Call flow"
    style = root.find(f"{NS}style").text
    assert ".t-sip-gateway rect" in style and ".marker.error" in style


def test_embedded_output_is_a_canvas_element_styled_by_the_page():
    _, placed, markup = rendered(dean_devices(), standalone=False)

    assert markup.startswith("<svg ")
    root = xml_root(markup)
    assert classes(root) == ["canvas"]
    assert root.get("viewBox") == f"0 0 {placed.width} {placed.height}"
    assert root.find(f"{NS}style") is None


def test_links_are_a_layer_under_the_cards_each_device_s_links_in_a_group_of_their_own():
    _, _, markup = rendered(dean_devices(), dean_ddis(), dean_trunks())
    root = xml_root(markup)

    viewport = root.find(f"{NS}g[@id='viewport']")
    assert [g.get("id") for g in viewport] == ["links", "cards"]
    links, cards = list(viewport)
    assert all("device" in classes(g) for g in cards)
    for group in links:
        assert group.get("class") == "out"
        sources = {path.get("data-from") for path in group.iter(f"{NS}path")}
        assert len(sources) <= 1
        if sources:
            assert group.get("id") == f"links-{sources.pop()}"


def test_pinned_positions_are_drawn_where_pinned():
    _, _, markup = rendered(darren_devices(), pinned={DARREN_START: (480, 960)})

    [g] = [g for g in devices_in(xml_root(markup)) if g.get("data-device-id") == DARREN_START]
    assert g.get("transform") == "translate(480,960)"


def test_a_device_fragment_holds_its_card_its_links_and_every_link_into_it():
    flow = parse(dean_devices(), dean_ddis(), dean_trunks())
    placed = layout(flow)
    whole = xml_root(render(flow, placed, validate(flow)))

    fragment = render_device(flow, placed, validate(flow), "dean-dispatch")

    root = xml_root(f'<svg xmlns="http://www.w3.org/2000/svg">{fragment}</svg>')
    assert [g.get("data-device-id") for g in devices_in(root)] == ["dean-dispatch"]
    callers = {link.source for link in flow.incoming("dean-dispatch")}
    groups = [g.get("id") for g in root if g.get("class") == "out"]
    assert groups == ["links-dean-dispatch"] + [
        f"links-{source}" for source in callers if source != "dean-dispatch"
    ]
    # each element is the one the whole canvas has, to be swapped in by its id
    by_id = {el.get("id"): el for el in whole.iter() if el.get("id")}
    for element in root:
        assert ET.tostring(element) == ET.tostring(by_id[element.get("id")])
    assert [
        p.get("data-port") for p in links_in(root) if p.get("data-from") == "dean-dispatch"
    ] == [
        "onComplete",
        "onNoAnswer",
        "onBusy",
        "onFail",
    ]
    assert render_device(flow, placed, [], "no-such-device") == ""


def test_fragments_can_be_marked_for_out_of_band_swaps_and_hostile_ids_make_safe_element_ids():
    flow = parse(hostile_devices())
    placed = layout(flow)

    fragment = render_fragments(flow, placed, [], [HOSTILE_ID, "evil"], oob=True)

    root = xml_root(f'<svg xmlns="http://www.w3.org/2000/svg">{fragment}</svg>')
    assert all(element.get("hx-swap-oob") == "true" for element in root)
    ids = [element.get("id") for element in root]
    assert len(ids) == len(set(ids)) == 4
    assert all(re.fullmatch(r"(dev|links)-[A-Za-z0-9_-]+", element_id) for element_id in ids)
    assert dom_id("a_b") != dom_id("a-b") and dom_id("a b") != dom_id("a_20_b")


def test_the_builder_escapes_every_value_and_keeps_integers_as_they_are():
    svg = SvgBuilder()
    svg.open("g", {"data-device-id": '"><x', "tabindex": 0, "skipped": None})
    svg.element("text", "<&>", {"x": 10})
    svg.empty("rect", {"class": "a'b"})
    svg.close("g")

    assert svg.markup() == (
        '<g data-device-id="&quot;&gt;&lt;x" tabindex="0"><text x="10">&lt;&amp;&gt;</text>'
        '<rect class="a&#x27;b"/></g>'
    )
    assert escape(5) == "5" and escape("plain") == "plain"


@settings(max_examples=150, deadline=None)
@given(device_lists, ddi_lists, trunk_lists)
def test_any_flow_renders_to_well_formed_svg_with_every_device(devices, ddis, trunks):
    flow = parse(devices, ddis, trunks)
    placed = layout(flow)
    findings = validate(flow)

    for standalone in (True, False):
        markup = render(flow, placed, findings, standalone=standalone)
        root = xml_root(markup)
        assert sorted(g.get("data-device-id") for g in devices_in(root)) == sorted(flow.devices)
        assert len(links_in(root)) == len(flow.links)
        assert "<script" not in markup


# A big drawing in two parts (flows/drawings.py): what the canvas opens on, then the rest.


def _synthetic(size: int):
    from tests.flows.synthetic import make_devices

    flow = parse(*make_devices(size))
    return flow, layout(flow)


def test_the_opening_part_holds_what_the_canvas_opens_on_and_the_rest_the_others():
    from flows.model.layout import CARD_W
    from flows.model.svg import opening, reading_order, split_at_opening

    flow, placed = _synthetic(1000)
    first, rest = split_at_opening(flow, placed)

    assert sorted(first + rest) == sorted(reading_order(flow, placed))
    assert [d for d in reading_order(flow, placed) if d in set(first)] == first
    left, top, right, bottom = opening(placed)
    band_left, band_top, band_right, band_bottom = placed.bands[0]
    assert left < band_left < right and top < band_top and band_bottom < bottom

    def inside(device_id):
        x, y = placed.positions[device_id]
        h = placed.height_of(device_id)
        return x < right and x + CARD_W > left and y < bottom and y + h > top

    assert all(inside(d) for d in first) and not any(inside(d) for d in rest)
    # the first start, where the canvas opens, is in the first part; most of a big flow is not
    first_start = next(
        d for d in reading_order(flow, placed) if flow.devices[d].type == "ROUTE_START"
    )
    assert first_start in first
    assert 0 < len(first) < len(rest) / 4


def test_the_two_parts_draw_every_card_and_links_group_once():
    from flows.model.svg import render_part, split_at_opening

    flow, placed = _synthetic(300)
    findings = validate(flow)
    first, rest = split_at_opening(flow, placed)
    page = render(flow, placed, findings, only=first, rest_url="/rest/")
    part = render_part(flow, placed, findings, rest)

    page_root, part_root = xml_root(page), xml_root(part)
    assert page_root.get("data-rest") == "/rest/"
    cards = [g.get("data-device-id") for g in page_root.iter(f"{NS}g") if g.get("data-device-id")]
    cards += [g.get("data-device-id") for g in part_root.iter(f"{NS}g") if g.get("data-device-id")]
    assert sorted(cards) == sorted(flow.devices)
    groups = [
        g.get("id")
        for root in (page_root, part_root)
        for g in root.iter(f"{NS}g")
        if (g.get("id") or "").startswith("links-")
    ]
    assert sorted(groups) == sorted(f"links-{dom_id(d)}" for d in flow.devices)
    # drawn in two parts or whole, each card is the same markup
    whole = render(flow, placed, findings)
    for device_id in (first[0], rest[0], rest[-1]):
        card = re.search(rf'<g class="device[^>]*data-device-id="{device_id}".*?</g>', whole)
        assert card.group(0) in page + part
    assert "data-rest" not in whole
