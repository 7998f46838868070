"""The call builder in Chromium: build a call with HTMX (no reloads), watch the preview, place it."""

import os
import re

import pytest

from tests.browser.conftest import screenshot, signed_in_page
from tests.conftest import DARREN

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard must allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

NEW = f"/accounts/{DARREN}/calls/new/"


def shoot(page, name: str) -> None:
    # From the top: a full-page capture of a scrolled page draws the sticky bars mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def test_a_two_verb_call_is_built_without_reloads_and_placed(page, sandbox):
    from playwright.sync_api import expect

    signed_in_page(page)
    page.goto(NEW)
    page.evaluate("window.builderPage = 'still here'")  # gone if anything reloads the page

    page.fill("#id_target_number", "+441234567893")
    page.fill("#id_verb_0_text", "Your pizza is outside!")
    expect(page.locator("#preview pre")).to_contain_text('"number": "+441234567893"')
    expect(page.locator("#preview pre")).to_contain_text("Your pizza is outside!")

    page.click("button[value='add:hangup']")
    reason = page.locator("#id_verb_1_reason")
    expect(reason).to_be_focused()  # the new step has the keyboard
    reason.fill("call-complete")
    expect(page.locator("#preview pre")).to_contain_text('"reason": "call-complete"')
    # What was typed before the swap is still there, and the page never reloaded.
    expect(page.locator("#id_verb_0_text")).to_have_value("Your pizza is outside!")
    assert page.evaluate("window.builderPage") == "still here"
    shoot(page, "calls-builder")

    page.click("button[value='place']")
    page.wait_for_url(re.compile(r"/calls/#call-\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("Call placed to +44 1234 567893")
    expect(page.locator("tr:target")).to_contain_text("Hang up (call-complete)")
    shoot(page, "calls-log")
    page.click("tr:target summary")
    expect(page.locator("tr:target .call-detail pre").first).to_contain_text('"hangup"')
    shoot(page, "calls-log-detail")
    [call] = sandbox.calls()
    assert call["request"] == {
        "target": {"phoneNumber": {"number": "+441234567893"}},
        "verbs": [
            {"say": {"text": ["Your pizza is outside!"]}},
            {"hangup": {"reason": "call-complete"}},
        ],
    }


def test_verbs_are_reordered_and_targets_switch_kind_in_place(page, sandbox):
    from playwright.sync_api import expect

    signed_in_page(page)
    page.goto(NEW + "?preset=announce_connect")
    page.evaluate("window.builderPage = 'still here'")

    # Only the chosen kind's inputs show.
    expect(page.locator("#id_target_number")).to_be_visible()
    expect(page.locator("#id_target_extension")).to_be_hidden()
    page.select_option("#id_target_kind", "extension")
    expect(page.locator("#id_target_extension")).to_be_visible()
    expect(page.locator("#id_target_number")).to_be_hidden()
    page.fill("#id_target_extension", "604")
    expect(page.locator("#preview pre")).to_contain_text('"extension": "604"')

    page.click("#verb-1-up")
    expect(page.locator("#verb-0 h3")).to_contain_text("Dial")
    expect(page.locator("#verb-0-down")).to_be_focused()
    page.click("button[value='add-target:0']")
    expect(page.locator("#id_verb_0_target_1_kind")).to_be_focused()
    page.select_option("#id_verb_0_target_1_kind", "sipUri")
    page.fill("#id_verb_0_target_1_sip_uri", "sip:desk@pbx.example.net")
    expect(page.locator("#preview pre")).to_contain_text("sip:desk@pbx.example.net")
    page.fill("#id_verb_0_target_0_number", "+441234567891")
    expect(page.locator("#preview pre")).to_contain_text("+441234567891")
    assert page.evaluate("window.builderPage") == "still here"
    shoot(page, "calls-builder-dial")

    # A bad number comes back from the server by its field, with everything else kept.
    page.fill("#id_verb_0_target_0_number", "0123")
    page.click("button[value='place']")
    expect(page.locator(".alert.error")).to_be_visible()
    expect(page.locator(".field.invalid")).to_contain_text("with its country code")
    expect(page.locator("#id_verb_0_target_1_sip_uri")).to_have_value("sip:desk@pbx.example.net")
    shoot(page, "calls-builder-invalid")
    assert sandbox.calls() == []


def test_the_builder_reads_well_in_the_dark(browser, live_server, sandbox, transactional_db):
    context = browser.new_context(
        viewport={"width": 1360, "height": 900}, base_url=live_server.url, color_scheme="dark"
    )
    page = context.new_page()
    try:
        signed_in_page(page)
        page.goto(NEW + "?preset=announce_hangup")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 20, 26)"
        screenshot(page, "calls-builder-dark")
    finally:
        context.close()


def test_the_builder_fits_a_phone_screen(browser, live_server, sandbox, transactional_db):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    try:
        signed_in_page(page)
        page.goto(NEW + "?preset=announce_connect")
        # The builder and everything in it stay within the screen's width.
        overflowing = page.evaluate("""() => [...document.querySelectorAll('.call-builder *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth)
            .map((el) => el.outerHTML.slice(0, 80))""")
        assert overflowing == []
        shoot(page, "calls-builder-phone")
    finally:
        context.close()
