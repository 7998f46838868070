"""The flow canvas over HTTP: the Django test client against the real sandbox (and, for device
lists the sandbox refuses to store, a tiny upstream of our own)."""

import html
import json
import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

if not settings.configured:
    # the pure model's tests beside this file also run with `-p no:django`
    pytest.skip("the canvas views need Django", allow_module_level=True)

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from flows.models import DevicePosition  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_START, DEAN  # noqa: E402

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
DARREN_DDI = "7774872eb9991b38efa4d888"
DARREN_DDI_UNROUTED = "8884872eb9991b38efa4d999"
DEAN_DDI_BOOKINGS = "9994872eb9991b38efa4daaa"
DEAN_DDI_ACCOUNTS = "aaa4872eb9991b38efa4dbbb"
FLOW = f"/accounts/{DARREN}/flow/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # tests/flows/conftest.py turns the suite's cache reset off for the pure model; these need it
    cache.clear()
    yield
    cache.clear()


# reading pages


def canvas_svg(html: str) -> ET.Element:
    """The canvas's SVG, parsed as XML: it must be well-formed to be read at all."""
    match = re.search(r'<svg [^>]*class="canvas".*?</svg>', html, re.S)
    assert match, "no canvas SVG on the page"
    return ET.fromstring(match.group(0))


def devices_of(svg: ET.Element) -> dict[str, ET.Element]:
    cards = [g for g in svg.iter(f"{SVG}g") if "device" in g.get("class", "").split()]
    ids = [g.get("data-device-id") for g in cards]
    assert len(ids) == len(set(ids)), "a device drawn twice"
    return dict(zip(ids, cards, strict=True))


def links_of(svg: ET.Element) -> list[dict]:
    """Each link's data attributes and its label: the slot-th port row of its source's card
    names the slot-th link of its source's group."""
    labels = {
        device_id: [t.text for t in card.iter(f"{SVG}text") if t.get("class") == "pl"]
        for device_id, card in devices_of(svg).items()
    }
    found = []
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") != "out":
            continue
        paths = [p for p in group if p.tag == f"{SVG}path" and "link" in p.get("class", "")]
        for slot, child in enumerate(paths):
            names = labels.get(child.get("data-from"), [])
            found.append(
                {
                    "from": child.get("data-from"),
                    "to": child.get("data-to"),
                    "port": child.get("data-port"),
                    "path": child.get("data-path"),
                    "label": names[slot] if slot < len(names) else None,
                }
            )
    return found


def between(html: str, start: str, end: str | None = None) -> str:
    assert start in html, f"{start!r} not on the page"
    rest = html.split(start, 1)[1]
    return rest.split(end, 1)[0] if end else rest


def upstream(sandbox, path: str, method: str = "GET", **kwargs):
    response = sandbox.api(method, path, sandbox.token("demo"), **kwargs)
    assert response.status_code < 300, response.text
    return response


def device_ids_by_name(sandbox, account_id: str) -> dict[str, str]:
    devices = upstream(sandbox, f"/api/v1/account/{account_id}/device").json()
    return {device["name"]: device["id"] for device in devices}


# the canvas


def test_the_canvas_draws_both_of_darrens_devices_with_their_id_and_type(demo_client):
    response = demo_client.get(FLOW)
    assert response.status_code == 200
    cards = devices_of(canvas_svg(response.content.decode()))
    assert {device_id: card.get("data-device-type") for device_id, card in cards.items()} == {
        DARREN_START: "ROUTE_START",
        DARREN_GATEWAY: "SIP_GATEWAY",
    }
    assert "t-route-start" in cards[DARREN_START].get("class")
    assert "t-sip-gateway" in cards[DARREN_GATEWAY].get("class")
    assert "Primary GW" in ET.tostring(cards[DARREN_GATEWAY], encoding="unicode")


def test_the_start_links_to_the_gateway_and_each_gateway_port_ends_at_hangup(demo_client):
    links = links_of(canvas_svg(demo_client.get(FLOW).content.decode()))
    assert sorted((link["from"], link["to"], link["port"]) for link in links) == sorted(
        [
            (DARREN_START, DARREN_GATEWAY, "connectTo"),
            (DARREN_GATEWAY, "HANGUP", "onBusy"),
            (DARREN_GATEWAY, "HANGUP", "onComplete"),
            (DARREN_GATEWAY, "HANGUP", "onFail"),
            (DARREN_GATEWAY, "HANGUP", "onNoAnswer"),
        ]
    )
    assert {link["label"] for link in links} == {"next", "answered", "busy", "failed", "no answer"}


def test_the_number_no_start_lists_is_found_routed_nowhere(demo_client):
    page = demo_client.get(FLOW).content.decode()
    findings = between(page, 'id="panel-findings"', "</section>")
    assert "The number 441234567891 is routed nowhere" in findings
    assert "441234567890 is routed nowhere" not in findings
    assert re.search(
        r'<option value="8884872eb9991b38efa4d999"\s*>441234567891 \(not routed\)', page
    )


def test_deans_types_the_dashboard_does_not_know_keep_a_plain_look(demo_client, sandbox):
    ids = device_ids_by_name(sandbox, DEAN)
    cards = devices_of(canvas_svg(demo_client.get(f"/accounts/{DEAN}/flow/").content.decode()))
    assert len(cards) == 9
    looks = {name: cards[device_id].get("class").split()[1] for name, device_id in ids.items()}
    assert looks["Driver ETA lookup"] == "t-unknown"  # FLOW_HOOK
    assert looks["Closed message"] == "t-unknown"  # ANNOUNCEMENT
    assert looks["Main menu"] == "t-ivr-menu"
    assert looks["Bookings queue"] == "t-queue"
    assert looks["Office hours"] == "t-time-switch"
    assert looks["Lost property voicemail"] == "t-voicemail"
    assert cards[ids["Driver ETA lookup"]].get("data-device-type") == "FLOW_HOOK"


def test_deans_menu_options_are_links_known_by_their_digit(demo_client, sandbox):
    ids = device_ids_by_name(sandbox, DEAN)
    links = links_of(canvas_svg(demo_client.get(f"/accounts/{DEAN}/flow/").content.decode()))
    menu = [link for link in links if link["from"] == ids["Main menu"]]
    options = {link["path"]: (link["to"], link["label"]) for link in menu if link["path"]}
    assert options == {
        "ivrMenu.options[0].connectTo": (ids["Bookings queue"], "press 1"),
        "ivrMenu.options[1].connectTo": (ids["Lost property voicemail"], "press 2"),
        "ivrMenu.options[2].connectTo": (ids["Dispatch office"], "press 0"),
    }
    # the menu's own ports, by the general rule; "no match" loops back to itself
    assert {(link["port"], link["to"]) for link in menu if not link["path"]} == {
        ("onTimeout", ids["Bookings queue"]),
        ("onNoMatch", ids["Main menu"]),
    }
    hook = {
        (link["port"], link["to"]) for link in links if link["from"] == ids["Driver ETA lookup"]
    }
    assert hook == {("onSuccess", ids["Office hours"]), ("onFail", ids["Office hours"])}


def test_the_large_account_draws_every_device(demo_client, sandbox):
    accounts = upstream(sandbox, "/api/v1/account").json()
    brightline = next(a["id"] for a in accounts if a["name"] == "Brightline Logistics")
    devices = upstream(sandbox, f"/api/v1/account/{brightline}/device").json()
    assert len(devices) >= 250
    response = demo_client.get(f"/accounts/{brightline}/flow/")
    assert response.status_code == 200
    page = response.content.decode()
    cards = devices_of(canvas_svg(page))
    assert set(cards) == {device["id"] for device in devices}
    assert f"{len(devices)} devices</span>" in page
    findings = between(page, 'id="panel-findings"', "</section>")
    assert "Old night service (unused)" in findings  # the orphan the seed leaves
    assert "441612345099 is routed nowhere" in findings


def test_the_page_costs_one_round_of_four_reads(demo_client, sandbox):
    response = demo_client.get(FLOW)
    assert response.status_code == 200
    calls = sorted((e["method"], e["path"]) for e in sandbox.api_requests())
    base = f"/api/v1/account/{DARREN}"
    assert calls == sorted(
        [("GET", base), ("GET", f"{base}/device"), ("GET", f"{base}/ddi"), ("GET", f"{base}/trunk")]
    )
    assert 'desc="4 calls"' in response["Server-Timing"]


def test_the_reads_go_at_once_not_one_after_another(demo_client, sandbox):
    sandbox.faults(latency_ms=200)
    response = demo_client.get(FLOW)
    assert response.status_code == 200
    total = float(re.search(r"total;dur=([\d.]+)", response["Server-Timing"]).group(1))
    assert total < 2 * 200  # four reads of 200 ms each, in parallel


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(sandbox, client):
    response = client.get(FLOW)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert sandbox.api_requests() == []


def test_support_staff_see_the_canvas_with_nothing_to_change(support_client):
    response = support_client.get(FLOW)
    assert response.status_code == 200
    page = response.content.decode()
    assert set(devices_of(canvas_svg(page))) == {DARREN_START, DARREN_GATEWAY}
    content = between(page, '<div class="flow" id="flow"')
    assert 'method="post"' not in content.lower()
    inspector = support_client.get(f"{FLOW}device/{DARREN_GATEWAY}/", headers=HTMX)
    assert inspector.status_code == 200 and b"Primary GW" in inspector.content


def test_an_account_without_devices_shows_the_empty_state(demo_client, sandbox):
    # the start links to the gateway, so it goes first
    for device_id in (DARREN_START, DARREN_GATEWAY):
        upstream(sandbox, f"/api/v1/account/{DARREN}/device/{device_id}", "DELETE")
    response = demo_client.get(FLOW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This account has no flow devices yet." in page
    assert "0 devices</span>" in page
    assert 'class="canvas"' not in page
    exported = demo_client.get(f"{FLOW}export.json").json()
    assert exported == {"account": DARREN, "devices": [], "layout": {}}


def test_an_upstream_that_is_down_gives_the_502_page(demo_client, settings):
    settings.CALLABLE_API_URL = "http://127.0.0.1:9"
    response = demo_client.get(FLOW)
    assert response.status_code == 502
    page = response.content.decode()
    assert "The Callable API did not answer" in page and "Try again" in page
    assert "Traceback" not in page
    fragment = demo_client.get(f"{FLOW}device/{DARREN_GATEWAY}/", headers=HTMX)
    assert fragment.status_code == 502
    assert b"<html" not in fragment.content and fragment["HX-Retarget"] == "#flash"


# the inspector


@pytest.mark.parametrize(
    "device_id",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%3Cscript%3E",
        "a'b",
        "a" * 65,
        "x%00y",
        "a%20b",
        f"{DARREN_GATEWAY}%2Fextra",
    ],
)
def test_hostile_device_ids_are_404_with_no_upstream_call(demo_client, sandbox, device_id):
    response = demo_client.get(f"{FLOW}device/{device_id}/")
    assert response.status_code == 404
    assert sandbox.api_requests() == []


def test_a_device_the_flow_does_not_have_is_a_404_page(demo_client):
    response = demo_client.get(f"{FLOW}device/0a1b2c3d-no-such-device/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<html" in page and "No such page" in page


def test_the_inspector_fragment_shows_every_field_known_or_not(demo_client, sandbox):
    path = f"/api/v1/account/{DARREN}/device/{DARREN_GATEWAY}"
    device = upstream(sandbox, path).json()
    device["sipGateway"]["routing"] = {"strategy": "round-robin", "weights": [3, 1]}
    device["futureField"] = "kept as sent"
    assert upstream(sandbox, path, "PUT", json=device).status_code == 204
    sandbox.clear_log()

    response = demo_client.get(f"{FLOW}device/{DARREN_GATEWAY}/", headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'data-device-id="7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"' in fragment
    assert '<h2 id="inspector-title" tabindex="-1">Primary GW</h2>' in fragment
    fields = dict(re.findall(r'<dt class="mono">(.*?)</dt><dd class="mono">(.*?)</dd>', fragment))
    assert fields["name"] == "Primary GW" and fields["extension"] == "601"
    assert fields["sipGateway.ringTime"] == "180"
    assert fields["sipGateway.record"] == "false"
    assert fields["sipGateway.trunks"] == "[&quot;66aa8915-834a-3004-8363-9c73690d8fe1&quot;]"
    assert fields["sipGateway.routing.strategy"] == "round-robin"
    assert fields["sipGateway.routing.weights"] == "[3, 1]"
    assert fields["futureField"] == "kept as sent"
    assert "&quot;routing&quot;: {" in between(fragment, '<pre class="raw">')
    # a fragment for a device already on the page needs no account read
    assert sorted(e["path"].rsplit("/", 1)[1] for e in sandbox.api_requests()) == [
        "ddi",
        "device",
        "trunk",
    ]


def test_the_inspector_shows_the_ways_in_and_out(demo_client):
    gateway = demo_client.get(f"{FLOW}device/{DARREN_GATEWAY}/", headers=HTMX).content.decode()
    ways_out = between(gateway, "<h3>Ways out</h3>", "<h3>Ways in</h3>")
    assert re.findall(
        r'<span class="port">(.*?)</span> → <span class="badge">(.*?)</span>', ways_out
    ) == [("answered", "HANGUP"), ("no answer", "HANGUP"), ("busy", "HANGUP"), ("failed", "HANGUP")]
    ways_in = between(gateway, "<h3>Ways in</h3>", "<h3>Every field</h3>")
    assert f'data-device-id="{DARREN_START}">Start of Flow</button>' in ways_in
    assert '<span class="port">next</span>' in ways_in

    start = demo_client.get(f"{FLOW}device/{DARREN_START}/", headers=HTMX).content.decode()
    assert f'data-device-id="{DARREN_GATEWAY}">Primary GW</button>' in between(
        start, "<h3>Ways out</h3>", "<h3>Ways in</h3>"
    )
    assert "No device links here." in between(start, "<h3>Ways in</h3>", "<h3>Every field</h3>")


def test_the_inspector_shows_every_field_of_a_type_no_table_lists_without_calling_it_unknown(
    demo_client, sandbox
):
    ids = device_ids_by_name(sandbox, DEAN)
    response = demo_client.get(
        f"/accounts/{DEAN}/flow/device/{ids['Closed message']}/", headers=HTMX
    )
    fragment = response.content.decode()
    assert "not known" not in fragment
    assert "Announcement" in fragment
    assert '<dt class="mono">announcement.text</dt>' in fragment
    assert "Dean&#x27;s Taxis is closed." in fragment


def test_without_htmx_the_inspector_is_a_whole_page(demo_client):
    response = demo_client.get(f"{FLOW}device/{DARREN_GATEWAY}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and "Darren&#x27;s Pizzas" in page
    assert f'href="{FLOW}"' in page and "Back to the canvas" in page
    assert '<dt class="mono">sipGateway.onBusy</dt><dd class="mono">HANGUP</dd>' in page


# the outline


def outline_tree(html: str) -> ET.Element:
    match = re.search(r'<ul class="outline".*</ul>', html, re.S)
    assert match, "no outline"
    return ET.fromstring(match.group(0))


def entry(item: ET.Element) -> str:
    """An outline entry's own words: its port and what it leads to, without its children."""
    return " ".join(" ".join(child.itertext()) for child in item if child.tag != "ul")


def test_the_outline_fragment_nests_each_way_out_under_its_device(demo_client):
    response = demo_client.get(f"{FLOW}outline/", headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    tree = outline_tree(response.content.decode())
    (start,) = tree.findall("li")
    assert entry(start) == "Start · Start of Flow · 600"
    assert start.find("button").get("data-device-id") == DARREN_START
    (gateway,) = start.findall("ul/li")
    assert entry(gateway) == "next SIP gateway · Primary GW · 601"
    assert gateway.find("button").get("data-device-id") == DARREN_GATEWAY
    assert [entry(end) for end in gateway.findall("ul/li")] == [
        "answered ends: HANGUP",
        "no answer ends: HANGUP",
        "busy ends: HANGUP",
        "failed ends: HANGUP",
    ]


def test_the_outline_shows_a_loop_once_then_see_above(demo_client, sandbox):
    ids = device_ids_by_name(sandbox, DEAN)
    tree = outline_tree(
        demo_client.get(f"/accounts/{DEAN}/flow/outline/", headers=HTMX).content.decode()
    )
    menus = [
        li
        for li in tree.iter("li")
        if (b := li.find("button")) is not None and b.get("data-device-id") == ids["Main menu"]
    ]
    first, *again = menus
    assert "(see above)" not in entry(first) and first.find("ul") is not None
    assert again and all("(see above)" in entry(li) and li.find("ul") is None for li in again)
    assert any(entry(li).startswith("no match") for li in again)  # the menu's loop to itself
    assert [entry(li).split(" ")[0] for li in tree.findall("li")] == ["Start", "Start"]


def test_without_htmx_the_outline_is_a_whole_page(demo_client):
    response = demo_client.get(f"{FLOW}outline/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and "<h2>Outline</h2>" in page and "Darren&#x27;s Pizzas" in page
    assert outline_tree(page).find("li/ul/li/button").get("data-device-id") == DARREN_GATEWAY


# tracing a call


def trace(client, account_id: str, **query) -> str:
    response = client.get(f"/accounts/{account_id}/flow/trace/", query, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    return response.content.decode()


def traced(fragment: str) -> tuple[list[str], list[str]]:
    match = re.search(r'class="trace-result" data-devices="([^"]*)" data-links="([^"]*)"', fragment)
    assert match, "no trace result"
    devices, links = (json.loads(html.unescape(group)) for group in match.groups())
    return devices, [f"{source}|{path}" for source, path in links]


def test_a_busy_call_to_darrens_number_ends_at_hangup_by_the_busy_port(demo_client):
    fragment = trace(demo_client, DARREN, ddi=DARREN_DDI, outcome="busy")
    devices, links = traced(fragment)
    assert devices == [DARREN_START, DARREN_GATEWAY]
    assert links == [f"{DARREN_START}|startRoute.connectTo", f"{DARREN_GATEWAY}|sipGateway.onBusy"]
    assert "A call to 441234567890" in fragment
    assert 'class="trace-end terminal">The call ends: <strong>HANGUP</strong>' in fragment
    assert '<option value="" selected>busy (as above)</option>' in fragment


def test_a_gateway_left_as_above_follows_a_later_change_of_outcome(demo_client):
    # the form sends the result's own selects back with every change: "" means "as above"
    resent = {"ddi": DARREN_DDI, f"at_{DARREN_GATEWAY}": ""}
    for outcome, port in (
        ("answered", "onComplete"),
        ("busy", "onBusy"),
        ("no answer", "onNoAnswer"),
    ):
        links = traced(trace(demo_client, DARREN, outcome=outcome, **resent))[1]
        assert links[-1] == f"{DARREN_GATEWAY}|sipGateway.{port}"
    pinned = trace(
        demo_client, DARREN, ddi=DARREN_DDI, outcome="busy", **{f"at_{DARREN_GATEWAY}": "failed"}
    )
    assert traced(pinned)[1][-1] == f"{DARREN_GATEWAY}|sipGateway.onFail"
    assert '<option value="failed" selected>failed</option>' in pinned
    assert '<option value="" >busy (as above)</option>' in pinned


def test_a_number_no_start_lists_is_traced_as_not_routed(demo_client):
    fragment = trace(demo_client, DARREN, ddi=DARREN_DDI_UNROUTED)
    assert traced(fragment) == ([], [])
    assert 'class="trace-end no_route"' in fragment
    assert "the call is not routed" in fragment


def test_picking_what_a_gateway_does_changes_the_path(demo_client, sandbox):
    answered = traced(trace(demo_client, DARREN, ddi=DARREN_DDI))[1]
    failed = traced(
        trace(demo_client, DARREN, ddi=DARREN_DDI, **{f"at_{DARREN_GATEWAY}": "failed"})
    )[1]
    assert answered[-1] == f"{DARREN_GATEWAY}|sipGateway.onComplete"
    assert failed[-1] == f"{DARREN_GATEWAY}|sipGateway.onFail"

    ids = device_ids_by_name(sandbox, DEAN)
    gateway = ids["Dispatch office"]
    paths = {
        pick: traced(trace(demo_client, DEAN, ddi=DEAN_DDI_ACCOUNTS, **{f"at_{gateway}": pick}))[0]
        for pick in ("answered", "busy", "failed")
    }
    line = ids["Account customers line"]
    assert paths["answered"] == [line, gateway]
    assert paths["failed"] == [line, gateway, ids["Lost property voicemail"]]
    assert paths["busy"] == [line, gateway, ids["Bookings queue"], ids["Lost property voicemail"]]


def test_picking_a_menu_option_follows_it(demo_client, sandbox):
    ids = device_ids_by_name(sandbox, DEAN)
    menu = ids["Main menu"]
    first = traced(trace(demo_client, DEAN, ddi=DEAN_DDI_BOOKINGS))[0]
    assert first[:5] == [
        ids["Bookings line"],
        ids["Driver ETA lookup"],
        ids["Office hours"],
        menu,
        ids["Bookings queue"],
    ]
    fragment = trace(
        demo_client, DEAN, ddi=DEAN_DDI_BOOKINGS, **{f"at_{menu}": "ivrMenu.options[2].connectTo"}
    )
    devices, _ = traced(fragment)
    assert devices[devices.index(menu) + 1] == ids["Dispatch office"]
    assert '<option value="ivrMenu.options[2].connectTo" selected>press 0</option>' in fragment


def test_without_htmx_a_trace_goes_to_the_canvas_which_shows_it(demo_client, sandbox):
    response = demo_client.get(f"{FLOW}trace/", {"ddi": DARREN_DDI, "outcome": "busy"})
    assert response.status_code == 302
    assert response["Location"] == f"{FLOW}?ddi={DARREN_DDI}&outcome=busy"
    assert sandbox.api_requests() == []
    page = demo_client.get(response["Location"]).content.decode()
    assert traced(page)[0] == [DARREN_START, DARREN_GATEWAY]
    assert f'<option value="{DARREN_DDI}" selected>441234567890</option>' in page
    assert '<option value="busy" selected>busy</option>' in page


# exports


def test_export_json_holds_the_devices_exactly_as_the_upstream_sent_them(demo_client, sandbox):
    path = f"/api/v1/account/{DARREN}/device/{DARREN_GATEWAY}"
    device = upstream(sandbox, path).json()
    device["sipGateway"]["futureField"] = {"nested": [1, "two", None]}
    device["labels"] = ["vip", {"colour": "gold"}]
    upstream(sandbox, path, "PUT", json=device)

    response = demo_client.get(f"{FLOW}export.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    exported = json.loads(response.content)
    assert set(exported) == {"account", "devices", "layout"}
    assert exported["account"] == DARREN
    assert exported["devices"] == upstream(sandbox, f"/api/v1/account/{DARREN}/device").json()
    assert set(exported["layout"]) == {DARREN_START, DARREN_GATEWAY}
    for point in exported["layout"].values():
        assert set(point) == {"x", "y"} and all(isinstance(v, int) for v in point.values())
    # the start comes before the gateway it calls, left to right
    assert exported["layout"][DARREN_START]["x"] < exported["layout"][DARREN_GATEWAY]["x"]


def test_saved_positions_override_the_layout(demo_client):
    computed = demo_client.get(f"{FLOW}export.json").json()["layout"]
    DevicePosition.objects.create(account_id=DARREN, device_id=DARREN_GATEWAY, x=1200, y=480)
    DevicePosition.objects.create(
        account_id=DEAN, device_id=DARREN_START, x=5, y=5
    )  # other account
    layout = demo_client.get(f"{FLOW}export.json").json()["layout"]
    assert layout[DARREN_GATEWAY] == {"x": 1200, "y": 480}
    assert layout[DARREN_START] == computed[DARREN_START]
    card = devices_of(canvas_svg(demo_client.get(FLOW).content.decode()))[DARREN_GATEWAY]
    assert card.get("transform") == "translate(1200,480)"


def test_export_svg_is_a_standalone_document_with_its_style_and_every_device(demo_client, sandbox):
    ids = device_ids_by_name(sandbox, DEAN)
    response = demo_client.get(f"/accounts/{DEAN}/flow/export.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in response["Content-Disposition"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    document = ET.fromstring(response.content)
    assert document.tag == f"{SVG}svg"
    assert document.find(f"{SVG}title").text == "Call flow of Dean's Taxis"
    style = document.find(f"{SVG}style")
    assert style is not None and ".device rect" in style.text
    assert set(devices_of(document)) == set(ids.values())
    assert document.get("class") is None  # not the page's canvas: colours of its own


# device lists the sandbox would refuse to store, from an upstream of our own


ODD = "odd-account"


@pytest.fixture
def odd_upstream(demo_client, settings):
    """Serves the four reads of the canvas for account `odd-account`; `serve(devices)` sets the
    device list (a Python value, or raw bytes) and points the dashboard at this upstream."""
    answers: dict[str, bytes] = {
        f"/api/v1/account/{ODD}/ddi": json.dumps([{"id": "d1", "name": "441000000001"}]).encode(),
        f"/api/v1/account/{ODD}/trunk": b"[]",
    }

    class Upstream(BaseHTTPRequestHandler):
        def do_GET(self):
            body = answers.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b'{"message": "not found"}'
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def serve(devices, name: str = "Odd Ltd") -> Client:
        answers[f"/api/v1/account/{ODD}"] = json.dumps({"id": ODD, "name": name}).encode()
        answers[f"/api/v1/account/{ODD}/device"] = (
            devices if isinstance(devices, bytes) else json.dumps(devices).encode()
        )
        settings.CALLABLE_API_URL = f"http://127.0.0.1:{server.server_port}"
        return demo_client

    yield serve
    server.shutdown()
    server.server_close()


def start(connect_to: str) -> dict:
    return {
        "id": "s",
        "type": "ROUTE_START",
        "name": "Main line",
        "startRoute": {"ddis": ["d1"], "connectTo": connect_to},
    }


GARBAGE = {
    "a device linking to itself": (
        [
            start("m"),
            {"id": "m", "type": "IVR_MENU", "name": "Menu", "ivrMenu": {"onNoMatch": "m"}},
        ],
        "“Menu” only passes calls to itself",
    ),
    "a cycle no call leaves": (
        [
            start("a"),
            {"id": "a", "type": "QUEUE", "name": "A", "queue": {"onTimeout": "b"}},
            {"id": "b", "type": "QUEUE", "name": "B", "queue": {"connectTo": "a"}},
        ],
        "“A” and “B” only pass calls to each other",
    ),
    "a gateway without its settings": (
        [start("g"), {"id": "g", "type": "SIP_GATEWAY", "name": "Bare"}],
        "its sipGateway settings is missing",
    ),
    "settings that are not an object": (
        [{"id": "s", "type": "ROUTE_START", "name": "Main line", "startRoute": ["d1"]}],
        "its startRoute settings is not an object",
    ),
    "a link to a missing device": (
        [start("5f0c-deleted")],
        "goes to 5f0c-deleted, which is not a device of this account",
    ),
    "two devices with one id": (
        [start("HANGUP"), {"id": "s", "type": "VOICEMAIL", "name": "Twin"}],
        "Entry 2 of the device list has the same id as “Main line”",
    ),
    "fields of the wrong types": (
        [start("x"), {"id": "x", "type": None, "name": 42, "extension": ["601"], "settings": 7}],
        "without a type",
    ),
    "a hostile name": (
        [start("HANGUP"), {"id": "h", "type": "QUEUE", "name": "<script>alert(1)</script>"}],
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ),
}


@pytest.mark.parametrize("shape", list(GARBAGE))
def test_a_garbage_flow_renders_with_findings_never_an_error(odd_upstream, shape):
    devices, finding = GARBAGE[shape]
    client = odd_upstream(devices)
    response = client.get(f"/accounts/{ODD}/flow/")
    assert response.status_code == 200
    page = response.content.decode()
    assert finding in page
    assert "<script>alert" not in page
    drawn = devices_of(canvas_svg(page))
    assert set(drawn) == {d["id"] for d in devices}
    for part in ("outline/", "export.json", "export.svg"):
        assert client.get(f"/accounts/{ODD}/flow/{part}").status_code == 200
    for device_id in drawn:
        assert (
            client.get(f"/accounts/{ODD}/flow/device/{device_id}/", headers=HTMX).status_code == 200
        )
    assert (
        client.get(f"/accounts/{ODD}/flow/trace/", {"ddi": "d1"}, headers=HTMX).status_code == 200
    )


def test_a_self_link_is_drawn_from_the_card_back_to_it(odd_upstream):
    devices, _ = GARBAGE["a device linking to itself"]
    page = odd_upstream(devices).get(f"/accounts/{ODD}/flow/").content.decode()
    assert {"from": "m", "to": "m", "port": "onNoMatch", "path": None, "label": "no match"} in (
        links_of(canvas_svg(page))
    )


def test_an_account_name_like_markup_is_text_and_the_canvas_is_drawn_once(odd_upstream):
    devices, _ = GARBAGE["a link to a missing device"]
    client = odd_upstream(devices, name="<!--flow-svg--><b>Odd</b>")
    page = client.get(f"/accounts/{ODD}/flow/").content.decode()
    assert "&lt;!--flow-svg--&gt;&lt;b&gt;Odd&lt;/b&gt;" in page
    assert page.count('class="canvas"') == 1 and "<!--flow-svg-->" not in page
    assert set(devices_of(canvas_svg(page))) == {"s"}


def test_an_empty_device_list_shows_the_empty_state(odd_upstream):
    page = odd_upstream([]).get(f"/accounts/{ODD}/flow/").content.decode()
    assert "This account has no flow devices yet." in page
    assert "The number 441000000001 is routed nowhere" in page


def test_entries_of_the_device_list_that_are_not_devices_are_findings(odd_upstream):
    body = b'[1, "two", null, {"id": "s", "type": "ROUTE_START", "name": "Main line"}]'
    response = odd_upstream(body).get(f"/accounts/{ODD}/flow/")
    assert response.status_code == 200
    page = response.content.decode()
    for entry in (1, 2, 3):
        assert f"Entry {entry} of the device list is not a device" in page
    assert set(devices_of(canvas_svg(page))) == {"s"}


def test_a_device_without_an_id_is_a_finding(odd_upstream):
    response = odd_upstream(b'[{"type": "QUEUE", "name": "no id"}]').get(f"/accounts/{ODD}/flow/")
    assert response.status_code == 200
    assert "Entry 1 of the device list is not a device (no id)" in response.content.decode()


@pytest.mark.parametrize(
    "body,words",
    [(b'{"devices": []}', "odd answer"), (b"<html>maintenance</html>", "not JSON")],
)
def test_a_device_list_that_is_not_a_list_is_a_502_not_a_crash(odd_upstream, body, words):
    response = odd_upstream(body).get(f"/accounts/{ODD}/flow/")
    assert response.status_code == 502
    page = response.content.decode()
    assert words in page and "Traceback" not in page
