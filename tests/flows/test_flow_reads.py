"""Clicking through the canvas does not read the device list again: the canvas page keeps its
reads for the signed-in user a short while, and any write through the dashboard forgets them."""

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip("the canvas views need Django", allow_module_level=True)

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from tests.accounts.test_address import edit_form  # noqa: E402
from tests.conftest import DARREN, DARREN_GATEWAY, sign_in  # noqa: E402

pytestmark = pytest.mark.django_db

FLOW = f"/accounts/{DARREN}/flow/"
INSPECTOR = f"{FLOW}device/{DARREN_GATEWAY}/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _kept(settings):
    # a cache every process shares keeps them; the tests' one process may use local memory
    settings.FLOW_READS_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


def device_reads(sandbox) -> int:
    return len(sandbox.requests(path=f"/account/{DARREN}/device$", method="GET"))


def test_an_inspector_click_after_the_canvas_makes_no_upstream_call(demo_client, sandbox):
    demo_client.get(FLOW)
    sandbox.clear_log()

    response = demo_client.get(INSPECTOR, headers=HTMX)

    assert response.status_code == 200 and "Primary GW" in response.content.decode()
    assert sandbox.api_requests() == []


def test_the_canvas_page_itself_always_reads_again(demo_client, sandbox):
    demo_client.get(FLOW)
    demo_client.get(FLOW)
    assert device_reads(sandbox) == 2


def test_a_write_through_the_dashboard_forgets_what_was_kept(demo_client, sandbox):
    demo_client.get(FLOW)
    fields = {**edit_form(demo_client), "line2": "22 Wharf Road"}
    assert demo_client.post(f"/accounts/{DARREN}/address/", fields).status_code in (200, 302)
    assert sandbox.requests(path="/address$", method="PUT")
    sandbox.clear_log()

    demo_client.get(INSPECTOR, headers=HTMX)

    assert device_reads(sandbox) == 1


def test_what_one_user_read_is_never_shown_to_another(demo_client, sandbox):
    demo_client.get(FLOW)
    colleague = Client()
    sign_in(colleague, "support")
    sandbox.clear_log()

    assert colleague.get(INSPECTOR, headers=HTMX).status_code == 200

    assert device_reads(sandbox) == 1


def test_with_memory_of_its_own_per_process_nothing_is_kept(demo_client, sandbox, settings):
    del settings.FLOW_READS_SECONDS
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    demo_client.get(FLOW)
    sandbox.clear_log()

    demo_client.get(INSPECTOR, headers=HTMX)

    assert device_reads(sandbox) == 1
