"""The flow canvas in Chromium: select, inspect, keyboard, find, trace, outline, a large flow."""

import os
import re

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in pytest-django

import pytest  # noqa: E402

from tests.browser.conftest import screenshot, signed_in_page  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_START, DEAN  # noqa: E402

pytestmark = pytest.mark.browser

DARREN_DDI = "7774872eb9991b38efa4d888"


def card(page, device_id: str):
    return page.locator(f'g.device[data-device-id="{device_id}"]')


def transform(page) -> str:
    return page.locator("#viewport").get_attribute("transform") or ""


def scale(page) -> float:
    return float(re.search(r"scale\(([\d.]+)\)", transform(page)).group(1))


def focused_device(page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.dataset.deviceId")


def open_flow(page, account_id: str):
    page.goto(f"/accounts/{account_id}/flow/")
    page.locator("g.device").first.wait_for()
    # flow.js has run once the SVG fills the stage under its own transform
    page.wait_for_function("document.querySelector('#viewport').hasAttribute('transform')")


def test_select_inspect_and_move_by_keyboard(page, sandbox):
    signed_in_page(page)
    open_flow(page, DARREN)
    screenshot(page, "flow-darren")

    card(page, DARREN_GATEWAY).click()
    title = page.locator("#inspector #inspector-title")
    title.wait_for()
    assert title.inner_text() == "Primary GW"
    assert "selected" in card(page, DARREN_GATEWAY).get_attribute("class")
    ring_time = page.locator("#inspector dt:text-is('sipGateway.ringTime') + dd")
    assert ring_time.inner_text() == "180"
    assert page.locator("#tab-inspector").get_attribute("aria-selected") == "true"
    screenshot(page, "flow-darren-inspector")

    page.keyboard.press("Escape")
    assert page.locator("#inspector #inspector-title").count() == 0
    assert page.locator("#tab-findings").get_attribute("aria-selected") == "true"
    assert focused_device(page) == DARREN_GATEWAY

    # Tab from the canvas itself reaches the first card in reading order: the start
    page.focus("#flow-canvas")
    page.keyboard.press("Tab")
    assert focused_device(page) == DARREN_START
    page.keyboard.press("Enter")
    page.locator("#inspector #inspector-title:text-is('Start of Flow')").wait_for()
    assert "selected" in card(page, DARREN_START).get_attribute("class")
    assert "selected" not in card(page, DARREN_GATEWAY).get_attribute("class")

    page.focus("#flow-canvas")
    before = transform(page)
    page.keyboard.press("ArrowLeft")
    moved = transform(page)
    assert moved != before and scale(page) == float(re.search(r"scale\(([\d.]+)\)", before)[1])
    zoom = scale(page)
    page.keyboard.press("+")
    assert scale(page) > zoom
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert scale(page) < zoom


def test_a_view_the_person_moved_survives_a_resize(page, sandbox):
    signed_in_page(page)
    open_flow(page, DEAN)
    page.focus("#flow-canvas")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("+")
    where = transform(page)
    page.set_viewport_size({"width": 1200, "height": 800})
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert transform(page) == where


def test_links_are_drawn_under_every_card(page, sandbox):
    signed_in_page(page)
    open_flow(page, DEAN)
    order = page.evaluate(
        "Array.from(document.querySelector('#viewport').children, (g) => g.getAttribute('class'))"
    )
    last_links = max(i for i, name in enumerate(order) if name == "out")
    first_card = min(i for i, name in enumerate(order) if name.startswith("device"))
    assert last_links < first_card


def test_find_trace_and_outline(page, sandbox):
    signed_in_page(page)
    open_flow(page, DARREN)

    page.fill("#flow-search", "601")
    page.keyboard.press("Enter")
    assert "selected" in card(page, DARREN_GATEWAY).get_attribute("class")
    assert page.locator("#flow-status").inner_text().startswith("1 of 1: SIP gateway Primary GW")
    page.fill("#flow-search", "no such thing")
    page.keyboard.press("Enter")
    assert "Nothing matches" in page.locator("#flow-status").inner_text()

    page.click("#tab-trace")
    page.select_option("#trace-ddi", DARREN_DDI)
    page.locator("#trace-result .trace-result").wait_for()
    page.wait_for_function("document.querySelectorAll('g.device.on-path').length === 2")
    assert "on-path" in card(page, DARREN_START).get_attribute("class")
    assert page.locator("svg.canvas.tracing").count() == 1
    assert page.locator(f'path.link.on-path[data-from="{DARREN_START}"]').count() == 1
    # answered by default: the gateway leaves by its answered port, and only that one
    lit = page.locator(f'path.link.on-path[data-from="{DARREN_GATEWAY}"]')
    assert lit.count() == 1 and lit.get_attribute("data-port") == "onComplete"
    assert "The call ends: HANGUP" in page.locator(".trace-end").inner_text()
    # the taken port's label and terminal are lit with it; the other three fade
    assert page.locator("text.pl.on-path").all_text_contents() == ["next", "answered"]
    assert page.locator("g.terminal.on-path").count() == 1
    screenshot(page, "flow-darren-trace")

    page.select_option("#trace-outcome", "busy")
    page.wait_for_function(
        f"""document.querySelector('path.link.on-path[data-from="{DARREN_GATEWAY}"]')"""
        """?.dataset.port === 'onBusy'"""
    )

    page.click("#tab-outline")
    entry = page.locator(f'#outline .ol-dev[data-device-id="{DARREN_GATEWAY}"]')
    entry.wait_for()
    assert page.locator("#outline .ol-dev").count() == 2
    card(page, DARREN_START).click()  # select something else first
    page.click("#tab-outline")
    entry.click()
    assert "selected" in card(page, DARREN_GATEWAY).get_attribute("class")
    assert "selected" not in card(page, DARREN_START).get_attribute("class")
    assert entry.get_attribute("aria-current") == "true"
    screenshot(page, "flow-darren-outline")


def test_deans_flow_of_many_types(page, sandbox):
    signed_in_page(page)
    open_flow(page, DEAN)
    assert page.locator("g.device").count() == 9
    assert page.locator("g.device.t-unknown").count() == 2
    screenshot(page, "flow-dean")
    page.click("#tab-outline")
    page.locator("#outline .ol-dev").first.wait_for()
    assert page.locator("#outline .ol-dev.ref").count() >= 1  # loops shown once, then referred to
    screenshot(page, "flow-dean-outline")


def test_the_large_flow_opens_and_fits(page, sandbox):
    signed_in_page(page)
    page.goto("/accounts/?q=Brightline")
    page.click("a:text('Brightline Logistics')")
    page.wait_for_url("**/accounts/*/")
    page.goto(page.url + "flow/")
    page.locator("g.device").first.wait_for()
    count = page.locator("g.device").count()
    assert count >= 250
    assert page.locator("#flow-status").inner_text() == f"{count} devices"
    screenshot(page, "flow-large")

    page.click("button[data-zoom=fit]")
    stage = page.locator("#flow-canvas").bounding_box()
    drawing = page.locator("#viewport").bounding_box()
    assert drawing["width"] <= stage["width"] + 1 and drawing["height"] <= stage["height"] + 1
    assert drawing["x"] >= stage["x"] - 1 and drawing["y"] >= stage["y"] - 1
    screenshot(page, "flow-large-fit")

    # a search centres the device found at a readable size
    page.fill("#flow-search", "Old night service")
    page.keyboard.press("Enter")
    found = page.locator("g.device.selected")
    assert found.count() == 1
    box = found.bounding_box()
    assert stage["x"] <= box["x"] and box["x"] + box["width"] <= stage["x"] + stage["width"]
    assert scale(page) >= 0.6
    screenshot(page, "flow-large-found")
