"""The flow canvas in Chromium: select, inspect, keyboard, find, trace, outline, a large flow."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in pytest-django

import pytest  # noqa: E402

from tests.browser.conftest import screenshot, signed_in_page  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_START, DEAN  # noqa: E402

pytestmark = pytest.mark.browser

DARREN_DDI = "7774872eb9991b38efa4d888"


def card(page, device_id: str):
    return page.locator(f'g.device[data-device-id="{device_id}"]')


def transform(page) -> dict:
    """The view: a drawing point (x, y) is on screen at (x * k + view.x, y * k + view.y)."""
    return page.evaluate("flowCanvas.view")


def scale(page) -> float:
    return transform(page)["k"]


def settled(page):
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def focused_device(page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.dataset.deviceId")


def open_flow(page, account_id: str):
    page.goto(f"/accounts/{account_id}/flow/")
    page.locator("g.device").first.wait_for()
    # flow.js has run once the canvas API is there and the drawing moved under its transform
    page.wait_for_function(
        "window.flowCanvas && document.querySelector('#flow-world').style.transform"
    )


def test_select_inspect_and_move_by_keyboard(page, sandbox):
    signed_in_page(page)
    open_flow(page, DARREN)
    screenshot(page, "flow-darren")

    card(page, DARREN_GATEWAY).click()
    title = page.locator("#inspector #inspector-title")
    title.wait_for()
    assert title.inner_text() == "Primary GW"
    assert "selected" in card(page, DARREN_GATEWAY).get_attribute("class")
    # its links, in and out, stand out
    lit = page.locator("path.link.lit")
    assert lit.count() == 5
    assert page.locator(f'path.link.lit[data-to="{DARREN_GATEWAY}"]').count() == 1
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
    assert moved != before and scale(page) == before["k"]
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
    settled(page)
    assert transform(page) == where


def test_links_are_drawn_under_every_card(page, sandbox):
    signed_in_page(page)
    open_flow(page, DEAN)
    layers = page.evaluate("Array.from(document.querySelector('#viewport').children, (g) => g.id)")
    assert layers == ["links", "cards"]


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
    settled(page)
    drawing = page.locator("svg.canvas").bounding_box()
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


# Where each link visibly ends: the card found right past its arrowhead, on screen.
ARRIVALS = """(from) => Array.from(document.querySelectorAll(`path.link[data-from="${CSS.escape(from)}"]`))
  .filter((link) => !link.classList.contains("dangling") && !/^[A-Z_]+$/.test(link.dataset.to))
  .map((link) => {
    const { x, y } = link.getPointAtLength(link.getTotalLength());
    const view = flowCanvas.view, area = flowCanvas.stage.getBoundingClientRect();
    const hit = document.elementFromPoint(area.left + (x + 6) * view.k + view.x, area.top + y * view.k + view.y);
    const card = hit && hit.closest("g.device");
    return [link.dataset.path || link.dataset.port, link.dataset.to, card && card.dataset.deviceId];
  })"""


def test_deans_menu_options_visibly_reach_three_different_devices(page, sandbox):
    signed_in_page(page)
    open_flow(page, DEAN)
    screenshot(page, "flow-dean-opened")
    page.evaluate("flowCanvas.fit()")
    settled(page)
    menu = page.locator('g.device[aria-label^="IVR menu Main menu"]').get_attribute(
        "data-device-id"
    )

    arrivals = page.evaluate(ARRIVALS, menu)

    options = {path: card for path, to, card in arrivals if "options" in path}
    assert len(options) == 3 and len(set(options.values())) == 3
    # every link of the menu ends at the card it names, and nowhere else
    assert all(card == to for _, to, card in arrivals), arrivals
    screenshot(page, "flow-dean-fit")


def test_the_large_flow_opens_readable_on_its_first_start_with_a_minimap(page, sandbox):
    signed_in_page(page)
    page.goto("/accounts/?q=Brightline")
    page.click("a:text('Brightline Logistics')")
    page.wait_for_url("**/accounts/*/")
    page.goto(page.url + "flow/")
    page.wait_for_function("window.flowCanvas")
    settled(page)

    assert scale(page) >= 0.7
    stage = page.locator("#flow-canvas").bounding_box()
    first = page.locator("g.device.t-route-start").first.bounding_box()
    assert stage["x"] <= first["x"] and first["x"] + first["width"] <= stage["x"] + stage["width"]
    assert stage["y"] <= first["y"] and first["y"] + first["height"] <= stage["y"] + stage["height"]
    minimap = page.locator("#flow-minimap")
    assert minimap.is_visible()
    screenshot(page, "flow-large-opened")

    # only the cards near the screen lay out their text; one brought into view gets it
    assert page.locator("g.device.t-route-start").first.locator("text.nm").is_visible()
    lit = page.evaluate("document.querySelectorAll('g.device.on').length")
    assert 0 < lit < count_cards(page) / 2
    far_card = page.evaluate(
        """() => { const s = flowCanvas.stage.getBoundingClientRect();
        const g = Array.from(document.querySelectorAll("g.device")).find((g) => {
          const b = g.getBoundingClientRect(); return b.top > s.bottom + 2 * s.height; });
        return g.dataset.deviceId; }"""
    )
    assert not card(page, far_card).locator("text.nm").is_visible()
    page.evaluate(f"flowCanvas.centre('{far_card}')")
    settled(page)
    assert card(page, far_card).locator("text.nm").is_visible()
    page.evaluate("flowCanvas.entries()")
    settled(page)

    # a click on the minimap's far corner takes the view there
    before = transform(page)
    minimap.scroll_into_view_if_needed()
    box = minimap.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 6, box["y"] + box["height"] - 6)
    settled(page)
    after = transform(page)
    assert after["x"] < before["x"] - 500 and after["y"] < before["y"] - 300
    assert after["k"] == before["k"]
    screenshot(page, "flow-large-minimap")

    # far out, cards are blocks without text; close in, text again
    page.click("button[data-zoom=fit]")
    settled(page)
    assert "far" in page.locator("#flow-canvas").get_attribute("class")
    assert not page.locator("g.device text.nm").first.is_visible()
    screenshot(page, "flow-large-far")
    page.evaluate("flowCanvas.entries()")
    settled(page)
    assert "far" not in page.locator("#flow-canvas").get_attribute("class")


def count_cards(page) -> int:
    return page.locator("g.device").count()


def test_the_small_flow_has_no_minimap(page, sandbox):
    signed_in_page(page)
    open_flow(page, DARREN)
    settled(page)
    assert not page.locator("#flow-minimap").is_visible()


def test_tabs_stay_usable_under_a_long_outline_and_find_opens_the_inspector(page, sandbox):
    signed_in_page(page)
    page.goto("/accounts/?q=Brightline")
    page.click("a:text('Brightline Logistics')")
    page.wait_for_url("**/accounts/*/")
    page.goto(page.url + "flow/")
    page.wait_for_function("window.flowCanvas")
    tabs = page.locator(".side-tabs").bounding_box()

    page.click("#tab-outline")
    page.locator("#outline .ol-dev").first.wait_for()
    assert page.locator(".side-tabs").bounding_box()["height"] == tabs["height"]
    screenshot(page, "flow-large-outline")
    page.click("#tab-findings")
    assert page.locator("#tab-findings").get_attribute("aria-selected") == "true"

    page.fill("#flow-search", "Old night service")
    page.keyboard.press("Enter")
    found = page.locator("g.device.selected")
    title = page.locator("#inspector #inspector-title")
    title.wait_for()
    assert title.inner_text().startswith("Old night service")
    assert page.locator("#tab-inspector").get_attribute("aria-selected") == "true"
    assert found.get_attribute("aria-label").endswith(
        "Old night service"
    ) or "Old night service" in (found.get_attribute("aria-label"))


def test_the_canvas_api_tells_the_editor_and_lets_it_take_card_drags(page, sandbox):
    signed_in_page(page)
    open_flow(page, DARREN)
    page.evaluate(
        """() => { window.told = []; document.getElementById("flow").addEventListener(
        "flow:select", (e) => { window.told.push(e.detail.id); e.preventDefault(); }); }"""
    )
    page.evaluate(f"flowCanvas.select('{DARREN_GATEWAY}')")
    assert page.evaluate("window.told") == [DARREN_GATEWAY]
    assert page.evaluate(f"flowCanvas.device('{DARREN_GATEWAY}').classList.contains('selected')")
    # the listener cancelled: no read-only inspector was loaded
    assert page.locator("#inspector #inspector-title").count() == 0

    view = transform(page)
    point = page.evaluate(
        """() => { const a = flowCanvas.stage.getBoundingClientRect(), v = flowCanvas.view;
        return flowCanvas.toCanvas(a.left + 100 * v.k + v.x, a.top + 50 * v.k + v.y); }"""
    )
    assert abs(point["x"] - 100) < 0.01 and abs(point["y"] - 50) < 0.01

    # a drag from a card that the editor takes does not pan
    page.evaluate(
        "() => { window.taken = []; flowCanvas.dragHandler = (e, id) => taken.push(id) > 0; }"
    )
    box = card(page, DARREN_START).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 80, steps=4)
    page.mouse.up()
    settled(page)
    assert page.evaluate("window.taken") == [DARREN_START]
    assert transform(page) == view
    # without a taker, the same drag pans
    page.evaluate("flowCanvas.dragHandler = null")
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 80, steps=4)
    page.mouse.up()
    settled(page)
    assert transform(page)["x"] == view["x"] + 100


def test_without_javascript_the_whole_drawing_is_there_to_scroll_through(
    browser, live_server, sandbox
):
    context = browser.new_context(
        viewport={"width": 1360, "height": 900}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        signed_in_page(page)
        page.goto(f"/accounts/{DEAN}/flow/")
        names = page.locator("g.device text.nm")
        assert names.count() == 9
        assert names.first.is_visible()
        stage = page.locator("#flow-canvas")
        assert stage.evaluate("(el) => el.scrollWidth > el.clientWidth")
        screenshot(page, "flow-dean-no-javascript")
    finally:
        context.close()


def test_cards_the_editor_swaps_in_are_taken_up_by_the_canvas(page, sandbox):
    signed_in_page(page)
    open_flow(page, DARREN)
    settled(page)
    # as an out-of-band swap would: a new element with the same id, somewhere else
    page.evaluate(
        f"""() => {{
        const old = flowCanvas.device('{DARREN_GATEWAY}');
        const fresh = old.cloneNode(true);
        fresh.classList.remove('on', 'selected');
        fresh.setAttribute('transform', 'translate(120,420)');
        old.replaceWith(fresh);
        flowCanvas.refresh(['{DARREN_GATEWAY}']);
        }}"""
    )
    moved = card(page, DARREN_GATEWAY)
    assert "on" in moved.get_attribute("class")  # near the screen: its text is laid out
    assert moved.locator("text.nm").is_visible()
    page.evaluate(f"flowCanvas.select('{DARREN_GATEWAY}', {{inspect: false}})")
    assert "selected" in moved.get_attribute("class")


def open_brightline(page):
    page.goto("/accounts/?q=Brightline")
    page.click("a:text('Brightline Logistics')")
    page.wait_for_url("**/accounts/*/")
    page.goto(page.url + "flow/")


def test_a_big_flow_paints_its_opening_then_takes_in_the_rest(page, sandbox, settings):
    settings.FLOW_PARTS_FROM = 100  # Brightline's ~300 devices come in two parts
    signed_in_page(page)
    with page.expect_response(lambda answer: "/flow/drawing/" in answer.url) as rest:
        with page.expect_response(lambda answer: answer.url.endswith("/flow/")) as opened:
            open_brightline(page)
    assert rest.value.status == 200
    # the page itself carried only what the canvas opens on
    first = opened.value.text().count('<g class="device ')
    page.wait_for_function("flowCanvas.whole")
    devices = int(page.locator("#flow-status").inner_text().split()[0])
    assert first < devices / 2
    screenshot(page, "flow-parts-opened")

    # then every device is there once, with its links group, in the layers they belong to
    assert count_cards(page) == devices
    assert (
        page.evaluate(
            "new Set(Array.from(document.querySelectorAll('#cards > g.device'),"
            " (g) => g.dataset.deviceId)).size"
        )
        == devices
    )
    assert page.locator("#links > g.out").count() == devices
    assert page.locator("svg.canvas[data-rest]").count() == 0

    # a device of the rest is found, selected and inspected like any other (a search made
    # before the rest was in waits for it: test_find_waits_for_the_rest_of_a_big_flow)
    last = page.locator("#cards > g.device").last
    name = last.locator("text.nm").text_content()
    page.fill("#flow-search", name)
    page.keyboard.press("Enter")
    page.locator(f"#inspector #inspector-title:text-is('{name}')").wait_for()
    assert "selected" in (last.get_attribute("class") or "")
    assert last.locator("text.nm").is_visible()
    screenshot(page, "flow-parts-found-in-rest")

    # Fit shows the whole of it
    page.click("button[data-zoom=fit]")
    settled(page)
    stage = page.locator("#flow-canvas").bounding_box()
    drawing = page.locator("svg.canvas").bounding_box()
    assert drawing["width"] <= stage["width"] + 1 and drawing["height"] <= stage["height"] + 1


def test_a_rest_that_cannot_come_is_said_plainly(page, sandbox, settings):
    settings.FLOW_PARTS_FROM = 100
    signed_in_page(page)
    page.route("**/flow/drawing/**", lambda route: route.fulfill(status=410, body="gone"))
    open_brightline(page)
    status = page.locator("#flow-status")
    page.wait_for_function("document.getElementById('flow-status').textContent.includes('reload')")
    assert "changed since the page was loaded" in status.inner_text()
    assert page.evaluate("flowCanvas.whole") is False
    # Find still works on what is there
    page.fill("#flow-search", "Head office line")
    page.keyboard.press("Enter")
    page.locator("#inspector #inspector-title:text-is('Head office line')").wait_for()
    screenshot(page, "flow-parts-changed")


def test_without_javascript_a_big_flow_shows_its_opening_and_a_way_to_the_whole(
    browser, live_server, sandbox, settings
):
    settings.FLOW_PARTS_FROM = 100
    context = browser.new_context(
        viewport={"width": 1360, "height": 900}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        signed_in_page(page)
        open_brightline(page)
        note = page.locator(".flow-part-note")
        assert note.is_visible()
        first = count_cards(page)
        screenshot(page, "flow-parts-no-javascript")
        note.locator("a").click()
        page.wait_for_url("**/flow/?whole=1")
        assert count_cards(page) > 2 * first
        assert page.locator(".flow-part-note").count() == 0
    finally:
        context.close()


def test_find_waits_for_the_rest_of_a_big_flow(page, sandbox, settings):
    settings.FLOW_PARTS_FROM = 100
    signed_in_page(page)
    held = []
    # the rest is held back until the search has been made
    page.route("**/flow/drawing/**", lambda route: held.append(route))
    with page.expect_request(lambda request: "/flow/drawing/" in request.url):
        open_brightline(page)
    page.wait_for_function("window.flowCanvas")
    assert held
    last_name = "Old night service"  # a device far from the first start
    assert page.locator(f'g.device[aria-label*="{last_name}"]').count() == 0
    page.fill("#flow-search", last_name)
    page.keyboard.press("Enter")
    assert "Loading the rest" in page.locator("#flow-status").inner_text()

    held[0].continue_()

    page.locator(f"#inspector #inspector-title:text-is('{last_name} (unused)')").wait_for()
    assert page.locator("g.device.selected").count() == 1
