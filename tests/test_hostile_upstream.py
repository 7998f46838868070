"""Upstream strings the sandbox refuses to store (lone surrogates, ids with spaces and "|"), and
bidi controls, served by a tiny upstream of our own; credentials in devices, via the sandbox."""

import html
import json
import re
import xml.etree.ElementTree as ET

import pytest

from callable_admin.masking import MASK
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_HOOK_EVENT, DARREN_TRUNK
from tests.odd_upstream import GATEWAY, ODD, QUEUE, RLO, odd_upstream

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def odd(demo_client, settings):
    """The dashboard pointed at an upstream that serves account `odd-account`."""
    with odd_upstream() as url:
        settings.CALLABLE_API_URL = url
        yield demo_client


FLOW = f"/accounts/{ODD}/flow/"


def inspector(client, device_id: str, headers=None):
    return client.get(f"{FLOW}device/", {"id": device_id}, headers=headers or {})


# lone surrogates: every page answers, U+FFFD where the upstream sent no character


@pytest.mark.parametrize(
    "path",
    [
        FLOW,
        f"{FLOW}outline/",
        f"{FLOW}export.svg",
        f"{FLOW}export.json",
        f"{FLOW}trace/?ddi=d1",
        f"/accounts/{ODD}/calls/new/",
        f"/accounts/{ODD}/",  # the overview, its missing sections' errors carrying one too
    ],
)
def test_a_lone_surrogate_upstream_never_breaks_a_page(odd, path):
    response = odd.get(path, headers=HTMX if "trace" in path else {})
    assert response.status_code == 200, response.content[:300]
    assert "\ufffd" in response.content.decode("utf-8")


@pytest.mark.parametrize("device_id", ["s", GATEWAY, QUEUE])
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_inspector_of_every_device_answers_whatever_its_strings(odd, device_id, headers):
    response = inspector(odd, device_id, headers)
    assert response.status_code == 200
    page = response.content.decode("utf-8")
    assert f'data-device-id="{html.escape(device_id)}"' in page


def test_the_json_export_stays_json_with_every_device(odd):
    body = json.loads(odd.get(f"{FLOW}export.json").content)
    assert [device["id"] for device in body["devices"]] == ["s", GATEWAY, QUEUE]
    assert body["devices"][1]["name"] == "Gate \ufffd way"
    assert body["devices"][1]["sipGateway"]["note\ufffd"] == "x\ufffd"  # keys too
    assert set(body["layout"]) == {"s", GATEWAY, QUEUE}


# bidi controls: shown inert and isolated, never reordering what follows


def test_a_right_to_left_override_reorders_nothing_on_the_canvas_inspector_and_outline(odd):
    for response in (
        odd.get(FLOW),
        inspector(odd, QUEUE),
        odd.get(f"{FLOW}outline/"),
        odd.get(f"{FLOW}export.svg"),
    ):
        page = response.content.decode("utf-8")
        assert RLO not in page
        assert "evil/\ufffdgnp.exe" in page
    assert "<bdi>evil/\ufffdgnp.exe</bdi>" in inspector(odd, QUEUE).content.decode()


def test_the_canvas_svg_with_hostile_strings_is_well_formed(odd):
    page = odd.get(FLOW).content.decode()
    svg = re.search(r'<svg [^>]*class="canvas".*?</svg>', page, re.S).group(0)
    cards = [g.get("data-device-id") for g in ET.fromstring(svg).iter() if g.get("data-device-id")]
    assert set(cards) == {"s", GATEWAY, QUEUE}


# device ids with odd characters


def test_the_inspector_takes_any_device_id_as_a_query_and_refuses_what_names_none(odd):
    assert inspector(odd, GATEWAY).status_code == 200
    assert inspector(odd, "no such device").status_code == 404
    assert inspector(odd, "").status_code == 404
    assert inspector(odd, "x" * 201).status_code == 404
    # the canvas asks for the inspector that way
    page = odd.get(FLOW).content.decode()
    assert f'data-inspector-url="{FLOW}device/?id="' in page


def test_a_trace_through_ids_with_spaces_and_bars_names_each_device_and_link_whole(odd):
    fragment = odd.get(f"{FLOW}trace/", {"ddi": "d1"}, headers=HTMX).content.decode()
    match = re.search(r'data-devices="([^"]*)" data-links="([^"]*)"', fragment)
    devices, links = (json.loads(html.unescape(group)) for group in match.groups())
    assert devices == ["s", GATEWAY, QUEUE]
    assert links == [
        ["s", "startRoute.connectTo"],
        [GATEWAY, "sipGateway.onComplete"],
        [QUEUE, "queue.connectTo"],
    ]


# credentials in devices, and the export that keeps them (via the sandbox)


@pytest.fixture
def secret_gateway(sandbox):
    token = sandbox.token()
    path = f"/api/v1/account/{DARREN}/device/{DARREN_GATEWAY}"
    device = sandbox.api("GET", path, token).json()
    device["sipGateway"]["password"] = "gw-password-1"
    device["webhook"] = {
        "url": "https://hookuser:url-secret-2@hooks.example/in",
        "headers": {"Authorization": "Bearer header-secret-3", "Accept": "application/json"},
    }
    assert sandbox.api("PUT", path, token, json=device).status_code == 204
    return device


SECRETS = ("gw-password-1", "url-secret-2", "header-secret-3")


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_inspector_masks_nested_credentials(demo_client, secret_gateway, headers):
    page = demo_client.get(
        f"/accounts/{DARREN}/flow/device/{DARREN_GATEWAY}/", headers=headers
    ).content.decode()
    for secret in SECRETS:
        assert secret not in page
    assert "webhook.headers.Authorization" in page and MASK in page
    assert "hookuser:" + MASK in page


def test_the_json_export_keeps_credentials_for_admins(demo_client, secret_gateway):
    body = demo_client.get(f"/accounts/{DARREN}/flow/export.json").content.decode()
    for secret in SECRETS:
        assert secret in body  # values exactly as the upstream sent them


def test_support_gets_403_for_the_json_export_and_no_button_for_it(support_client, sandbox):
    sandbox.clear_log()
    refused = support_client.get(f"/accounts/{DARREN}/flow/export.json")
    assert refused.status_code == 403
    assert sandbox.api_requests() == []  # refused before any upstream call
    canvas = support_client.get(f"/accounts/{DARREN}/flow/").content.decode()
    assert "export.json" not in canvas and "export.svg" in canvas


@pytest.fixture
def reversed_names(sandbox):
    """A trunk description and a hook URL stored upstream with a right-to-left override."""
    token = sandbox.token()
    for path, field, value in (
        (f"/api/v1/account/{DARREN}/trunk/{DARREN_TRUNK}", "description", f"evil/{RLO}gnp.exe"),
        (
            f"/api/v1/account/{DARREN}/hook/{DARREN_HOOK_EVENT}",
            "url",
            f"https://e.example/{RLO}gnp.exe",
        ),
    ):
        stored = sandbox.api("GET", path, token).json()
        assert sandbox.api("PUT", path, token, json={**stored, field: value}).status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        f"/accounts/{DARREN}/",
        f"/accounts/{DARREN}/trunks/",
        f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/",
        f"/accounts/{DARREN}/hooks/",
        f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/",
    ],
)
def test_an_override_stored_upstream_is_shown_inert_and_isolated_on_account_pages(
    support_client, reversed_names, path
):
    page = support_client.get(path).content.decode()
    assert RLO not in page
    assert "<bdi>" in page and "gnp.exe" in page
