"""Smaller holes in what pages accept, show and send (issue 12): each test fails without its fix."""

import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from callable_admin.forms import BIDI_REFUSED
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_HOOK_EVENT, DARREN_TRUNK, sign_in

HTMX = {"HX-Request": "true"}


# HX-Current-URL is whatever a client sends


@pytest.mark.django_db
@pytest.mark.parametrize("current", ["http://[::1", "http://[::1]:notaport/x", "\x00", ""])
def test_a_malformed_hx_current_url_sends_an_anonymous_htmx_request_home_to_sign_in(
    client, sandbox, current
):
    response = client.get("/accounts/", headers={**HTMX, "HX-Current-URL": current})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?next=%2F")


@pytest.mark.django_db
def test_a_malformed_hx_current_url_with_a_dead_session_still_signs_out_cleanly(client, sandbox):
    sign_in(client, "demo")
    sandbox.revoke(access=True, refresh=True)
    response = client.get("/accounts/", headers={**HTMX, "HX-Current-URL": "http://[::1"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2F"


# Content-Security-Policy and no-store

DARREN_PAGES = [
    "/",
    "/accounts/",
    f"/accounts/{DARREN}/",
    f"/accounts/{DARREN}/ddis/",
    f"/accounts/{DARREN}/address/",
    f"/accounts/{DARREN}/trunks/",
    f"/accounts/{DARREN}/trunks/new/",
    f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/",
    f"/accounts/{DARREN}/hooks/",
    f"/accounts/{DARREN}/hooks/new/",
    f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/",
    f"/accounts/{DARREN}/flow/",
    f"/accounts/{DARREN}/flow/outline/",
    f"/accounts/{DARREN}/flow/device/{DARREN_GATEWAY}/",
    f"/accounts/{DARREN}/flow/export.json",
    f"/accounts/{DARREN}/calls/",
    f"/accounts/{DARREN}/calls/new/",
    "/audit/",
    "/audit/export.csv",
    "/accounts/nosuchaccount000000000000/",  # an error page too
]


def policy(response) -> dict[str, str]:
    directives = (
        part.strip().split(None, 1) for part in response["Content-Security-Policy"].split(";")
    )
    return {words[0]: words[1] if len(words) > 1 else "" for words in directives if words}


def assert_strict_policy(response) -> None:
    rules = policy(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert rules["script-src"] == "'self'" and rules["style-src"] == "'self'"
    assert rules["object-src"] == "'none'" and rules["frame-ancestors"] == "'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("path", DARREN_PAGES)
def test_every_signed_in_page_export_and_csv_has_a_strict_policy_and_is_not_stored(
    demo_client, path
):
    response = demo_client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert_strict_policy(response)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_fragments_and_the_sign_in_page_too(demo_client, client, headers):
    fragment = demo_client.get(f"/accounts/{DARREN}/flow/outline/", headers=headers)
    assert_strict_policy(fragment)
    assert "no-store" in fragment["Cache-Control"]
    login = client.get("/login/")
    assert_strict_policy(login)
    assert "no-store" in login["Cache-Control"]


def test_the_htmx_config_asks_htmx_to_inject_no_style_and_evaluate_nothing():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']*)\'', base).group(1))
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False


@pytest.mark.django_db
def test_the_public_device_types_stylesheet_keeps_its_own_cache(client):
    response = client.get("/flow/device-types.css")
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


# our forms refuse bidi controls (what the upstream stores is shown inert, tests/test_hostile_upstream.py)

RLO = "\u202e"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        (f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/", "description", f"PBX {RLO}gnp.exe"),
        (
            f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/",
            "url",
            f"https://evil.example/{RLO}gnp.exe",
        ),
        (f"/accounts/{DARREN}/address/", "line2", f"Flat {RLO}1"),
    ],
)
def test_our_edit_forms_refuse_bidi_controls_by_the_field_and_send_nothing(
    demo_client, sandbox, path, field, value
):
    fields = form_fields(demo_client.get(path))
    sandbox.clear_log()
    response = demo_client.post(path, {**fields, field: value})
    assert response.status_code == 400
    assert BIDI_REFUSED in response.content.decode()
    assert [e for e in sandbox.api_requests() if e["method"] != "GET"] == []
    assert html.escape(value) in response.content.decode() or value in response.content.decode()


@pytest.mark.django_db
def test_a_stored_value_with_a_bidi_control_left_as_it_was_does_not_block_a_save(
    demo_client, sandbox
):
    path = f"/api/v1/account/{DARREN}/trunk/{DARREN_TRUNK}"
    token = sandbox.token()
    trunk = sandbox.api("GET", path, token).json()
    sandbox.api("PUT", path, token, json={**trunk, "description": f"theirs {RLO}x"})
    page = f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/"
    fields = form_fields(demo_client.get(page))
    assert demo_client.post(page, {**fields, "port": "5070"}).status_code == 302


@pytest.mark.django_db
def test_the_call_builder_refuses_bidi_controls(demo_client, sandbox):
    response = demo_client.post(
        f"/accounts/{DARREN}/calls/new/",
        {
            "target_kind": "phoneNumber",
            "target_number": "+441234567893",
            "verb_0_kind": "say",
            "verb_0_text": f"Hello {RLO}olleh",
            "action": "place",
        },
    )
    assert response.status_code == 400 and BIDI_REFUSED in response.content.decode()
    assert sandbox.calls() == []


INLINE = {
    "an inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "a style element": re.compile(r"<style[\s>]", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_has_inline_script_or_style_the_policy_would_block():
    found = []
    for path in sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html")):
        text = path.read_text()
        found += [
            f"{path.name}: {what}" for what, pattern in INLINE.items() if pattern.search(text)
        ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Darren's Pizzas", "Darren&#x27;s Pizzas"),  # left to right: as it is, escaped
        ("evil/\u202egnp.exe", "<bdi>evil/\ufffdgnp.exe</bdi>"),
        ("\u05e9\u05dc\u05d5\u05dd <b>", "<bdi>\u05e9\u05dc\u05d5\u05dd &lt;b&gt;</bdi>"),
        ("a\u2067b\u2069c", "<bdi>a\ufffdb\ufffdc</bdi>"),
    ],
)
def test_isolated_wraps_only_text_with_a_direction_and_makes_controls_inert(text, shown):
    from django.template import Context, Template

    assert Template("{{ v|isolated }}").render(Context({"v": text})) == shown
