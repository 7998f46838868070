"""Every page in Chromium under its real Content-Security-Policy: axe-core (injected by
axe-playwright-python from its own copy, no CDN) finds no serious or critical violation, and the
browser reports no policy violation. Then device ids with spaces and "|" in the canvas."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in pytest-django

import re  # noqa: E402

import pytest  # noqa: E402
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from tests.browser.conftest import screenshot, signed_in_page  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, DARREN_HOOK_EVENT, DARREN_TRUNK  # noqa: E402
from tests.odd_upstream import GATEWAY, ODD, QUEUE, odd_upstream  # noqa: E402

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")


def watch_policy(page) -> list[str]:
    """Every Content-Security-Policy violation the page reports, as the console says it."""
    reported: list[str] = []
    page.on(
        "console",
        lambda message: (
            reported.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return reported


def serious_violations(page, axe: Axe) -> list[str]:
    results = axe.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
        if v.get("impact") in SERIOUS
    ]


def wait_for_canvas(page) -> None:
    page.locator("g.device").first.wait_for()
    # flow.js has run once the drawing moved under its own transform
    expect(page.locator("#flow-world")).to_have_attribute("style", re.compile("transform"))


def test_every_page_passes_axe_and_breaks_no_policy(strict_page, sandbox):
    page = strict_page
    axe = Axe()
    reported = watch_policy(page)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        found[name] = serious_violations(page, axe)
        screenshot(page, f"a11y-{name}")

    page.goto("/login/")
    check("sign-in")
    signed_in_page(page)
    pages = {
        "organisation": "/",
        "account-list": "/accounts/",
        "overview": f"/accounts/{DARREN}/",
        "numbers": f"/accounts/{DARREN}/ddis/",
        "address": f"/accounts/{DARREN}/address/",
        "trunks": f"/accounts/{DARREN}/trunks/",
        "trunk-form": f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/",
        "trunk-new": f"/accounts/{DARREN}/trunks/new/",
        "hooks": f"/accounts/{DARREN}/hooks/",
        "hook-form": f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/",
        "audit": "/audit/",
        "calls-log": f"/accounts/{DARREN}/calls/",
        "call-builder": f"/accounts/{DARREN}/calls/new/",
        "outline": f"/accounts/{DARREN}/flow/outline/",
    }
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == 200, (name, response.status)
        check(name)

    page.goto(f"/accounts/{DARREN}/flow/")
    wait_for_canvas(page)
    check("flow-canvas")
    page.locator(f'g.device[data-device-id="{DARREN_GATEWAY}"]').click()
    page.locator("#inspector #inspector-title").wait_for()
    check("flow-inspector-open")
    page.click("#tab-outline")
    page.locator("#outline .ol-dev").first.wait_for()
    check("flow-outline-tab")

    assert {name: v for name, v in found.items() if v} == {}
    assert reported == []


def test_device_ids_with_spaces_and_bars_inspect_and_trace_in_chromium(
    strict_page, sandbox, settings
):
    page = strict_page
    reported = watch_policy(page)
    signed_in_page(page)  # against the sandbox; the odd account's reads come from our upstream
    with odd_upstream() as url:
        settings.CALLABLE_API_URL = url
        page.goto(f"/accounts/{ODD}/flow/")
        wait_for_canvas(page)

        page.locator(f'g.device[data-device-id="{GATEWAY}"]').click()
        title = page.locator("#inspector #inspector-title")
        title.wait_for()
        assert page.locator("#inspector article").get_attribute("data-device-id") == GATEWAY
        page.locator(f'#inspector .link-go[data-device-id="{QUEUE}"]').click()
        expect(page.locator("#inspector article")).to_have_attribute("data-device-id", QUEUE)
        assert "evil/" in page.locator("#inspector #inspector-title").inner_text()

        page.click("#tab-trace")
        page.select_option("#trace-ddi", "d1")
        page.locator("#trace-result .trace-result").wait_for()
        expect(page.locator("g.device.on-path")).to_have_count(3)
        lit = page.eval_on_selector_all(
            "g.device.on-path", "els => els.map(e => e.dataset.deviceId)"
        )
        assert sorted(lit) == sorted(["s", GATEWAY, QUEUE])
        links = page.eval_on_selector_all(
            "path.link.on-path", "els => els.map(e => e.dataset.from)"
        )
        assert sorted(links) == sorted(["s", GATEWAY, QUEUE])
        screenshot(page, "flow-odd-ids-traced")
    assert reported == []
