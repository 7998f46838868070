"""The canvas page keeps its drawing by what it was drawn from, and a big flow comes in two parts:
the page with what the canvas opens on, then the rest (flows/drawings.py), against the sandbox."""

import gzip
import re

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip("the canvas views need Django", allow_module_level=True)

from django.core.cache import cache  # noqa: E402

from flows.views import canvas as canvas_views  # noqa: E402
from tests.conftest import DARREN, sign_in  # noqa: E402

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CARD_IDS = re.compile(r'<g class="device[^"]*" data-device-id="([^"]+)"')
GROUP_IDS = re.compile(r'<g class="out" id="links-([^"]+)"')
REST_URL = re.compile(r'data-rest="([^"]+)"')


@pytest.fixture
def parts(settings, sandbox):
    """A synthetic account of 300 devices, big enough to come in parts here."""
    settings.FLOW_PARTS_FROM = 100
    cache.clear()
    account = sandbox.create_account("Parts and Whole Ltd", 300)
    yield account
    cache.clear()


def counted(monkeypatch, name: str) -> list:
    """Calls of the canvas views' `name` from now on, one entry each (the real one still runs)."""
    calls: list = []
    real = getattr(canvas_views, name)
    monkeypatch.setattr(canvas_views, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def upstream_device_ids(sandbox, account: str) -> list[str]:
    answer = sandbox.api("GET", f"/api/v1/account/{account}/device", sandbox.token())
    return [device["id"] for device in answer.json()]


def rest_of(client, page: str, **headers) -> tuple[int, str, object]:
    url = REST_URL.search(page).group(1)
    response = client.get(url.replace("&amp;", "&"), headers={**HTMX, **headers})
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status_code, body.decode(), response


def test_a_big_flow_comes_in_two_parts_that_make_the_whole_once(demo_client, sandbox, parts):
    page = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    first = CARD_IDS.findall(page)

    status, rest_markup, response = rest_of(demo_client, page, **{"Accept-Encoding": "gzip"})

    assert status == 200 and response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    rest = CARD_IDS.findall(rest_markup)
    everything = upstream_device_ids(sandbox, parts)
    assert 0 < len(first) < len(everything) / 2
    assert sorted(first + rest) == sorted(everything)  # each device once, in one part or the other
    # each device's links group too, in the same part as its card, in the same order
    assert GROUP_IDS.findall(page) == first and GROUP_IDS.findall(rest_markup) == rest
    assert 'data-layer="links"' in rest_markup and 'data-layer="cards"' in rest_markup
    # the canvas opens on the first start: it is in the first part
    assert 'class="device t-route-start"' in page.split('id="cards"')[1].split("</svg>")[0]
    assert "first part is shown" in page  # said without JavaScript, with a way to the whole
    assert 'data-frame="' in page


def test_the_rest_is_sent_plain_to_a_client_that_takes_no_gzip(demo_client, parts):
    page = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    status, rest_markup, response = rest_of(demo_client, page, **{"Accept-Encoding": "identity"})
    assert status == 200 and not response.has_header("Content-Encoding")
    assert rest_markup.startswith("<svg") and CARD_IDS.findall(rest_markup)


def test_without_javascript_the_whole_flow_is_one_link_away(demo_client, sandbox, parts):
    page = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    rest_url = REST_URL.search(page).group(1)

    # the rest's own URL, opened as a page, goes to the whole flow
    redirected = demo_client.get(rest_url)
    assert redirected.status_code == 302
    assert redirected["Location"] == f"/accounts/{parts}/flow/?whole=1"
    whole = demo_client.get(redirected["Location"]).content.decode()

    assert sorted(CARD_IDS.findall(whole)) == sorted(upstream_device_ids(sandbox, parts))
    assert "data-rest" not in whole and "first part is shown" not in whole


def test_a_small_flow_is_sent_whole(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/flow/").content.decode()
    assert "data-rest" not in page and CARD_IDS.findall(page)


def test_a_second_visit_reads_upstream_again_but_draws_nothing(
    demo_client, sandbox, parts, monkeypatch
):
    first = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    assert rest_of(demo_client, first)[0] == 200  # the rest, drawn once asked for, is kept
    drawn = counted(monkeypatch, "render_svg")
    sandbox.clear_log()

    again = demo_client.get(f"/accounts/{parts}/flow/").content.decode()

    assert drawn == []  # nothing parsed, laid out or drawn: the same devices, the same drawing
    assert sandbox.requests(path=f"/account/{parts}/device$", method="GET")  # read, though
    assert CARD_IDS.findall(again) == CARD_IDS.findall(first)
    assert REST_URL.search(again).group(1) == REST_URL.search(first).group(1)
    # and the rest, kept, comes without an upstream read
    sandbox.clear_log()
    status, rest_markup, _ = rest_of(demo_client, again)
    assert status == 200 and CARD_IDS.findall(rest_markup)
    assert sandbox.api_requests() == []


def test_a_change_upstream_is_drawn_on_the_next_visit(demo_client, sandbox, parts, monkeypatch):
    page = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    start_id = re.search(r'<g class="device t-route-start" data-device-id="([^"]+)"', page).group(1)
    token = sandbox.token()
    device = sandbox.api("GET", f"/api/v1/account/{parts}/device/{start_id}", token).json()
    device["name"] = "Renamed outside the dashboard"
    assert sandbox.api("PUT", f"/api/v1/account/{parts}/device/{start_id}", token, json=device).ok
    laid_out = counted(monkeypatch, "layout")

    again = demo_client.get(f"/accounts/{parts}/flow/").content.decode()

    assert "Renamed outside the dashboard" in again
    assert laid_out == []  # a rename moves nothing: the layout stands
    canvas_views._parsed.clear()  # as a process that never saw the flow draws it
    canvas_views._last_of_account.clear()
    cache.clear()
    assert _svg(demo_client.get(f"/accounts/{parts}/flow/").content.decode()) == _svg(again)
    old_key = REST_URL.search(page).group(1).rstrip("/").rsplit("/", 1)[1]
    new_key = REST_URL.search(again).group(1).rstrip("/").rsplit("/", 1)[1]
    assert new_key != old_key
    # the new drawing took the old one's place: one kept per account, not one per change
    from flows import drawings

    assert drawings.kept_page(parts, new_key) is not None
    assert drawings.kept_page(parts, old_key) is None


def test_a_rest_asked_for_after_the_flow_changed_is_gone(demo_client, sandbox, parts):
    page = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    devices = sandbox.api("GET", f"/api/v1/account/{parts}/device", sandbox.token()).json()
    device = devices[-1]
    device["name"] = "Changed meanwhile"
    sandbox.api(
        "PUT", f"/api/v1/account/{parts}/device/{device['id']}", sandbox.token(), json=device
    )
    cache.clear()  # what the page kept is gone (evicted, or another process without it)

    status, text, _ = rest_of(demo_client, page)

    assert status == 410
    assert "changed since the page was loaded" in text


def test_a_rest_that_was_not_kept_is_drawn_from_the_same_devices(demo_client, sandbox, parts):
    page = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    status, kept_markup, _ = rest_of(demo_client, page)
    cache.clear()

    status, drawn_markup, _ = rest_of(demo_client, page)

    assert status == 200 and drawn_markup == kept_markup


def test_a_made_up_rest_key_is_gone_not_an_error(demo_client, parts):
    response = demo_client.get(f"/accounts/{parts}/flow/drawing/{'0' * 32}/", headers=HTMX)
    assert response.status_code == 410


def test_someone_else_reading_the_same_flow_is_handed_the_same_drawing(
    client, sandbox, parts, monkeypatch
):
    sign_in(client, "demo")
    first = client.get(f"/accounts/{parts}/flow/").content.decode()
    client.post("/logout/")
    sign_in(client, "support")
    drawn = counted(monkeypatch, "render_svg")
    sandbox.clear_log()

    page = client.get(f"/accounts/{parts}/flow/").content.decode()

    # read upstream as support, found to be the same devices: drawn once, for both
    assert sandbox.requests(path=f"/account/{parts}/device$", method="GET")
    assert drawn == []
    assert CARD_IDS.findall(page) == CARD_IDS.findall(first)
    assert rest_of(client, page)[0] == 200

    # and after a change, support's visit reads again only what changed since demo's reading
    token = sandbox.token()
    base = f"/api/v1/account/{parts}/device"
    device = sandbox.api("GET", base, token).json()[3]
    device["name"] = "Changed before support came back"
    assert sandbox.api("PUT", f"{base}/{device['id']}", token, json=device).ok
    parsed_whole = counted(monkeypatch, "parse")
    changed = client.get(f"/accounts/{parts}/flow/").content.decode()
    assert parsed_whole == [] and drawn == [1]
    assert "Changed before support came back" in changed + rest_of(client, changed)[1]


def test_a_rest_key_alone_opens_nothing(client, sandbox, parts):
    sign_in(client, "demo")
    page = client.get(f"/accounts/{parts}/flow/").content.decode()
    assert rest_of(client, page)[0] == 200  # drawn and kept
    client.post("/logout/")
    sign_in(client, "northwind")  # an admin of another organisation

    response = client.get(REST_URL.search(page).group(1), headers=HTMX)

    assert response.status_code in (403, 404)
    assert b"data-device-id" not in response.content


def _svg(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>")]


def test_after_upstream_changes_the_drawing_is_the_one_made_from_nothing(
    demo_client, sandbox, parts, monkeypatch
):
    """A visit after a change reads again only the devices that changed (and reuses the layout's
    unchanged bands): what it draws must be what a process that never saw the flow draws."""
    demo_client.get(f"/accounts/{parts}/flow/")
    token = sandbox.token()
    base = f"/api/v1/account/{parts}/device"
    devices = sandbox.api("GET", base, token).json()
    renamed = {**devices[5], "name": "Renamed in between"}
    assert sandbox.api("PUT", f"{base}/{renamed['id']}", token, json=renamed).ok
    # a link moved: the first device that links to another now links to a third
    linked = next(d for d in devices[10:] if any(isinstance(v, dict) for v in d.values()))
    settings_key = next(k for k, v in linked.items() if isinstance(v, dict))
    port = next(
        (
            k
            for k, v in linked[settings_key].items()
            if isinstance(v, str) and v in {d["id"] for d in devices}
        ),
        None,
    )
    if port:
        relinked = {**linked, settings_key: {**linked[settings_key], port: devices[-1]["id"]}}
        assert sandbox.api("PUT", f"{base}/{linked['id']}", token, json=relinked).ok
    added = {k: v for k, v in devices[-1].items() if k != "id"}
    added["name"], added["extension"] = "Added in between", "9999"
    assert sandbox.api("POST", base, token, json=added).status_code == 201

    parsed_whole = counted(monkeypatch, "parse")

    changed = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    assert parsed_whole == []  # only the devices that changed were read again
    changed_rest = rest_of(demo_client, changed)[1]
    assert "Renamed in between" in changed + changed_rest
    assert "Added in between" in changed + changed_rest

    canvas_views._parsed.clear()  # a process that never saw this flow
    canvas_views._last_of_account.clear()
    cache.clear()
    fresh = demo_client.get(f"/accounts/{parts}/flow/").content.decode()
    assert _svg(changed) == _svg(fresh)
    assert changed_rest == rest_of(demo_client, fresh)[1]


def test_a_value_that_changed_only_its_json_type_is_read_again(demo_client, sandbox):
    """1 and true are equal to Python's ==: a device whose field went from one to the other has
    changed, and the inspector shows what the upstream now says."""
    from tests.conftest import DARREN, DARREN_GATEWAY

    demo_client.get(f"/accounts/{DARREN}/flow/")
    token = sandbox.token()
    path = f"/api/v1/account/{DARREN}/device/{DARREN_GATEWAY}"
    device = sandbox.api("GET", path, token).json()
    device["keptAsSent"] = 1  # a field the dashboard does not know, kept as it is
    assert sandbox.api("PUT", path, token, json=device).ok
    demo_client.get(f"/accounts/{DARREN}/flow/")
    device["keptAsSent"] = True
    assert sandbox.api("PUT", path, token, json=device).ok

    demo_client.get(f"/accounts/{DARREN}/flow/")
    inspector = demo_client.get(
        f"/accounts/{DARREN}/flow/device/{DARREN_GATEWAY}/", headers=HTMX
    ).content.decode()

    assert re.search(r"keptAsSent</dt>\s*<dd[^>]*>true</dd>", inspector), inspector[:3000]
