"""Publishing a draft in Chromium: review, publish, see the flow changed, restore the previous
revision; a conflict settled by choosing; a half-way failure finished by publishing the rest."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in pytest-django

import re  # noqa: E402

import pytest  # noqa: E402

from tests.browser.conftest import screenshot, signed_in_page  # noqa: E402
from tests.conftest import DEAN  # noqa: E402
from tests.flows.test_publish import (  # noqa: E402
    WRITES,
    by_name,
    colleague_puts,
    dean_rework,
    edit,
    start_draft,
    upstream,
)

pytestmark = pytest.mark.browser


def press_publish(page):
    """Publish from the review page, accepting its warnings if it lists any."""
    checkbox = page.locator(".publish-form input[name=confirm]")
    if checkbox.count():
        checkbox.check()
    page.locator(".publish-form button[type=submit]").click()


def test_edit_review_publish_see_it_live_then_restore_the_previous_revision(page, sandbox):
    signed_in_page(page)
    # the edit, made on the draft directly (the editor's own pages are tested with the editor)
    draft = start_draft(sandbox)
    dean_rework(draft)

    page.goto(f"/accounts/{DEAN}/flow/edit/review/")
    page.get_by_role("heading", name="What publishing will do").wait_for()
    assert page.locator(".api-calls li").count() == 8
    assert "Night menu" in page.locator(".device-changes").inner_text()
    screenshot(page, "publish-review")

    checkbox = page.locator("input[name=confirm]")
    if checkbox.count():
        checkbox.check()
    # slow writes: the page waiting for the publish shows each call as it is made
    sandbox.faults(method=WRITES, latency_ms=500)
    progress = []

    def watch(route):
        answer = route.fetch()
        progress.append(answer.text())
        route.fulfill(response=answer)

    page.route("**/edit/progress/", watch)
    page.get_by_role("button", name="Publish 8 changes").click()
    page.wait_for_url("**/revisions/*/")
    # what the waiting page was shown: calls applied one after another, before the answer came
    made = [int(m) for text in progress for m in re.findall(r"(\d) of 8 calls made", text)]
    assert made == sorted(made) and any(0 < n < 8 for n in made), progress
    sandbox.clear_faults()
    assert "Published" in page.locator(".flash").inner_text()
    assert page.locator(".publish-steps .badge.ok").count() == 8
    screenshot(page, "publish-revision")

    page.goto(f"/accounts/{DEAN}/flow/")
    page.locator("g.device").first.wait_for()
    assert page.locator("g.device", has_text="Night menu").count() == 1
    assert page.locator("g.device", has_text="Closed message").count() == 0

    page.goto(f"/accounts/{DEAN}/flow/revisions/")
    page.locator(".revisions-table a").first.click()
    page.get_by_role("button", name="Restore the flow as it was before it").click()
    page.wait_for_url("**/edit/review/")
    assert "Closed message" in page.locator(".device-changes").inner_text()
    press_publish(page)
    page.wait_for_url("**/revisions/*/")

    names = set(by_name(upstream(sandbox)))
    assert "Closed message" in names and "Night menu" not in names and "Main menu" in names


def test_a_conflict_is_chosen_field_by_field(page, sandbox):
    signed_in_page(page)
    draft = start_draft(sandbox)
    gateway = by_name(draft.state.devices.values())["Dispatch office"]
    settings = gateway["sipGateway"]
    edit(
        draft,
        gateway["id"],
        {**gateway, "name": "Dispatch (mine)", "sipGateway": {**settings, "ringTime": 40}},
    )
    colleague_puts(
        sandbox,
        {**gateway, "name": "Dispatch (theirs)", "sipGateway": {**settings, "maxCallTime": 600}},
    )

    page.goto(f"/accounts/{DEAN}/flow/edit/review/")
    press_publish(page)
    page.get_by_role("heading", name="Someone else changed 1 device you changed").wait_for()
    screenshot(page, "publish-conflict")

    page.locator("tr.clash input[value=mine]").check()
    page.get_by_role("button", name="Keep these choices and review").click()
    page.wait_for_url("**/edit/review/")
    press_publish(page)
    page.wait_for_url("**/revisions/*/")

    now = by_name(upstream(sandbox))["Dispatch (mine)"]["sipGateway"]
    assert now["ringTime"] == 40 and now["maxCallTime"] == 600


def test_a_half_way_failure_says_what_was_applied_and_publishing_the_rest_finishes(page, sandbox):
    signed_in_page(page)
    draft = start_draft(sandbox)
    dean_rework(draft)
    sandbox.faults(method=WRITES, pass_next=4, fail_next=1)

    page.goto(f"/accounts/{DEAN}/flow/edit/review/")
    press_publish(page)
    page.get_by_role("heading", name="Publishing stopped half-way").wait_for()
    assert page.locator(".publish-steps .badge.ok").count() == 4
    screenshot(page, "publish-halfway")

    sandbox.clear_faults()
    page.get_by_role("button", name="Publish the rest").click()
    page.wait_for_url("**/revisions/*/")
    names = set(by_name(upstream(sandbox)))
    assert {"Night menu", "Night line", "Night start"} <= names and "Closed message" not in names


def test_the_publish_pages_pass_axe_and_break_no_policy(strict_page, sandbox):
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_accessibility import serious_violations, watch_policy

    page, axe = strict_page, Axe()
    reported = watch_policy(page)
    found = {}
    signed_in_page(page)
    draft = start_draft(sandbox)
    dean_rework(draft)
    gateway = by_name(draft.state.devices.values())["Dispatch office"]
    edit(draft, gateway["id"], {**gateway, "name": "Dispatch (mine)"})

    page.goto(f"/accounts/{DEAN}/flow/edit/review/")
    found["review"] = serious_violations(page, axe)
    colleague_puts(sandbox, {**gateway, "name": "Dispatch (theirs)"})
    press_publish(page)
    page.get_by_role("heading", name="Someone else changed 1 device you changed").wait_for()
    found["conflict"] = serious_violations(page, axe)
    page.locator("tr.clash input[value=mine]").check()
    page.get_by_role("button", name="Keep these choices and review").click()
    page.wait_for_url("**/edit/review/")
    sandbox.faults(method=WRITES, pass_next=2, fail_next=1)
    press_publish(page)
    page.get_by_role("heading", name="Publishing stopped half-way").wait_for()
    found["half-way"] = serious_violations(page, axe)
    sandbox.clear_faults()
    page.get_by_role("button", name="Publish the rest").click()
    page.wait_for_url("**/revisions/*/")
    found["revision"] = serious_violations(page, axe)
    page.goto(f"/accounts/{DEAN}/flow/revisions/")
    found["revisions"] = serious_violations(page, axe)

    assert {name: v for name, v in found.items() if v} == {}
    assert reported == []
