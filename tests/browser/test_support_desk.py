"""The support desk in Chromium: a caller's number typed in the top bar, Back to the search,
pages read on a phone."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in pytest-django

import pytest  # noqa: E402

from callable_admin.audit.models import AuditEntry  # noqa: E402
from tests.browser.conftest import screenshot, signed_in_page  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DEAN  # noqa: E402

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_a_number_typed_in_the_top_bar_opens_its_account_with_the_number_highlighted(page):
    signed_in_page(page, "support")
    page.goto(f"/accounts/{DEAN}/")
    page.fill("#top-q", "01234 567890")
    page.press("#top-q", "Enter")
    page.wait_for_url(f"**/accounts/{DARREN}/ddis/?number=441234567890#number-441234567890")
    row = page.locator("tr.highlight")
    assert row.count() == 1
    assert row.locator("td").first.inner_text() == "+44 1234 567890"
    assert row.is_visible()
    screenshot(page, "numbers-highlighted")


def test_a_domain_typed_in_the_top_bar_lists_the_account_and_says_why(page):
    signed_in_page(page)
    page.fill("#top-q", "deanstaxis")
    page.press("#top-q", "Enter")
    page.wait_for_url("**/accounts/?q=deanstaxis")
    row = page.locator("#results tbody tr")
    assert row.count() == 1
    assert "Dean's Taxis" in row.inner_text() and "domain deanstaxis" in row.inner_text()
    assert page.input_value("#q") == "deanstaxis"
    screenshot(page, "search-domain")


def test_back_from_an_account_keeps_the_search_text_and_results(page):
    signed_in_page(page)
    page.goto("/accounts/")
    page.fill("#q", "taxi")
    page.wait_for_url(lambda url: "q=taxi" in url)
    page.locator('#results a:text("Dean\'s Taxis")').wait_for()
    page.click('#results a:text("Dean\'s Taxis")')
    page.wait_for_url(f"**/accounts/{DEAN}/")
    page.go_back()
    page.wait_for_url(lambda url: "q=taxi" in url)
    page.locator("#results").wait_for()
    assert page.input_value("#q") == "taxi"
    names = page.locator("#results tbody tr td:first-child").all_inner_texts()
    assert names == ["Dean's Taxis", "Quayside Taxis"]


def test_the_organisation_page_lists_accounts_by_name_with_their_main_number(page):
    signed_in_page(page)
    assert page.locator("table.accounts-table tbody tr").count() == 24
    first = page.locator("table.accounts-table tbody tr").first.inner_text()
    assert first.startswith("Abbey Lane Recording Studio")
    assert "+44" in first
    assert "Organisation admin" in page.locator("header.page-head").inner_text()
    screenshot(page, "organisation-accounts")
    page.goto("/accounts/")
    screenshot(page, "account-list")


def test_the_audit_log_reads_well_on_a_phone(page, sandbox):
    for number in range(11):
        AuditEntry.objects.create(
            username="demo",
            organisation_id="3h74872eb0731b38efa4d556",
            account_id=DARREN,
            object_kind="trunk",
            object_id="66aa8915-834a-3004-8363-9c73690d8fe1",
            object_name="Primary IP Address",
            action="update",
            outcome="applied",
            changes={
                "port": {"before": 5060 + number, "after": 5061 + number},
                "description": {
                    "before": "Primary IP Address",
                    "after": "Primary PBX at the office",
                },
            },
        )
    signed_in_page(page, "support")
    page.set_viewport_size(PHONE)
    page.goto("/audit/")
    assert page.locator(".audit-table tbody tr").count() == 11
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing wider than the phone
    assert height < 11 * 200 + 900  # a compact card per entry, not a column per word
    screenshot(page, "audit-phone")


def test_the_trunks_list_names_a_few_users_and_counts_the_rest(page, sandbox):
    token = sandbox.token()
    api = f"/api/v1/account/{DARREN}/device"
    gateway = sandbox.api("GET", f"{api}/{DARREN_GATEWAY}", token).json()
    for number in range(17):
        copy = {k: v for k, v in gateway.items() if k != "id"}
        copy.update(name=f"Branch GW {number:02}", extension=str(700 + number))
        assert sandbox.api("POST", api, token, json=copy).status_code == 201
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/trunks/")
    cell = page.locator("td.used-by").first
    assert cell.inner_text().endswith("and 15 more")
    screenshot(page, "trunks-and-more")
    page.set_viewport_size(PHONE)
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    for row in page.locator(".trunks-table tr").all():
        assert row.bounding_box()["height"] < 2 * line + 16  # one line of text and its padding
    screenshot(page, "trunks-phone")


def test_a_refused_change_reads_well_on_a_phone_too(page, sandbox):
    signed_in_page(page)
    page.goto(f"/accounts/{DARREN}/trunks/66aa8915-834a-3004-8363-9c73690d8fe1/delete/")
    page.click("button:text('Remove trunk')")
    page.locator(".alert").first.wait_for()
    page.set_viewport_size(PHONE)
    page.goto("/audit/")
    entry = page.locator(".audit-table tbody tr").first
    assert "used by device(s)" in entry.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "audit-phone-refused")
