"""The account pages in Chromium: search, open, edit the address, trunks, hooks, a conflict."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in pytest-django

import pytest  # noqa: E402

from tests.browser.conftest import screenshot, signed_in_page  # noqa: E402
from tests.conftest import DARREN, DEAN  # noqa: E402

pytestmark = pytest.mark.browser


def test_search_then_open_an_account(page, sandbox):
    signed_in_page(page)
    page.goto("/accounts/")
    page.fill("#q", "cafe zo")  # no accents typed
    page.wait_for_url(lambda url: "q=cafe" in url)  # the live search keeps the query in the URL
    results = page.locator("#results tbody tr")
    results.first.wait_for()
    assert results.count() == 1
    assert results.first.inner_text().startswith("Café Zoë")
    screenshot(page, "accounts-search")
    page.click("#results a:text('Café Zoë')")
    page.wait_for_url("**/accounts/*/")
    assert page.locator("h1").inner_text() == "Café Zoë"
    assert "Lyon" in page.locator("address.postal").inner_text()


def test_the_overview_shows_the_account_whole(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DEAN}/")
    assert page.locator("h1").inner_text() == "Dean's Taxis"
    assert page.locator(".ddi-table tbody tr").count() == 2
    assert page.locator(".type-counts li").count() >= 6
    screenshot(page, "account-overview-dean")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "account-overview-dean-dark")
    page.emulate_media(color_scheme="light")
    page.goto(f"/accounts/{DARREN}/")
    assert "not routed" in page.locator(".ddi-table").inner_text()
    screenshot(page, "account-overview-darren")
    page.goto(f"/accounts/{DARREN}/ddis/")
    screenshot(page, "account-numbers")


def test_edit_the_address(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/address/")
    page.fill("#id_line2", "22 Wharf Road")
    page.select_option("#id_country", "Ireland")
    screenshot(page, "address-form")
    page.click("button:text('Save address')")
    page.locator(".flash.success").wait_for()
    assert page.locator(".flash.success").inner_text() == "Address saved."
    assert page.input_value("#id_line2") == "22 Wharf Road"
    assert page.locator("#id_country").input_value() == "Ireland"


def test_bad_address_input_is_shown_by_the_field_with_input_kept(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/address/")
    page.fill("#id_postalCode", "BN21 3AW!!")
    page.fill("#id_line2", "typed and kept")
    page.click("button:text('Save address')")
    page.locator(".field.invalid").wait_for()
    assert "letters, digits, spaces and hyphens" in page.locator(".field.invalid").inner_text()
    assert page.input_value("#id_line2") == "typed and kept"
    screenshot(page, "address-invalid")


def test_add_and_then_edit_a_trunk(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/trunks/")
    page.click("a:text('Add trunk')")
    assert page.input_value("#id_port") == "5060"
    page.fill("#id_ip", "203.0.113.50")
    page.fill("#id_description", "Branch office PBX")
    page.select_option("#id_zone", "eu-west-2")
    page.select_option("#id_countryCode", "IE")
    screenshot(page, "trunk-new")
    page.click("button:text('Add trunk')")
    page.locator(".flash.success").wait_for()
    assert page.locator(".flash.success").inner_text() == "Trunk added."
    assert "/trunks/" in page.url and not page.url.endswith("/new/")
    page.fill("#id_port", "5080")
    page.click("button:text('Save trunk')")
    page.locator(".flash.success").wait_for()
    assert page.input_value("#id_port") == "5080"
    page.goto(f"/accounts/{DARREN}/trunks/")
    assert "203.0.113.50:5080" in page.locator("table").inner_text()
    screenshot(page, "trunks-list")


def test_a_trunk_in_use_warns_before_removal(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/trunks/")
    page.click("a:text('1.1.1.1:5060')")
    screenshot(page, "trunk-edit")
    page.click("a:text('Remove trunk…')")
    assert "1 gateway uses this trunk" in page.locator(".alert.warning").inner_text()
    page.click("button:text('Remove trunk')")
    page.locator(".alert.error").wait_for()
    assert "used by device(s)" in page.locator(".alert.error").inner_text()
    screenshot(page, "trunk-remove-refused")


def test_add_a_hook(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/hooks/")
    page.click("a:text('Add hook')")
    page.select_option("#id_app", "flow.generic")
    page.fill("#id_url", "https://steer.example.com/callable")
    page.fill("#id_priority", "5")
    screenshot(page, "hook-new")
    page.click("button:text('Add hook')")
    page.locator(".flash.success").wait_for()
    page.goto(f"/accounts/{DARREN}/hooks/")
    flow_hooks = page.locator("section[aria-labelledby='flow-hooks-title']").inner_text()
    assert "https://steer.example.com/callable" in flow_hooks
    screenshot(page, "hooks-list")


def test_the_conflict_screen_lets_the_user_choose(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/address/")
    # A colleague saves a change while this form is open.
    token = sandbox.token()
    path = f"/api/v1/account/{DARREN}/address"
    current = sandbox.api("GET", path, token).json()
    sandbox.api("PUT", path, token, json={**current, "line2": "Their Road", "level1": "Sussex"})
    page.fill("#id_line2", "My Street")
    page.fill("#id_level2", "Hampden Park")
    page.click("button:text('Save address')")
    page.locator(".conflict-intro").wait_for()
    conflict = page.locator("fieldset.conflict")
    assert conflict.count() == 1
    assert "My Street" in conflict.inner_text() and "Their Road" in conflict.inner_text()
    assert page.input_value("#id_level2") == "Hampden Park"  # my other change, kept
    assert page.input_value("#id_level1") == "Sussex"  # their other change, kept
    screenshot(page, "address-conflict")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "address-conflict-dark")
    page.emulate_media(color_scheme="light")
    conflict.locator("label.mine").click()
    page.click("button:text('Save with these choices')")
    page.locator(".flash.success").wait_for()
    assert page.input_value("#id_line2") == "My Street"
    assert page.input_value("#id_level1") == "Sussex"


def test_the_audit_log_shows_the_changes(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/address/")
    page.fill("#id_level2", "Polegate")
    page.click("button:text('Save address')")
    page.locator(".flash.success").wait_for()
    page.goto("/audit/")
    assert "Polegate" in page.locator(".audit-table").inner_text()
    screenshot(page, "audit-log")


def test_support_staff_see_no_write_controls(page, sandbox):
    signed_in_page(page, "support")
    page.goto(f"/accounts/{DARREN}/trunks/")
    assert page.locator("a:text('Add trunk')").count() == 0
    page.click("a:text('1.1.1.1:5060')")
    assert page.locator("form.object-form").count() == 0
    screenshot(page, "trunk-support")
