"""/accounts/<id>/: the whole account on one page, for a support person on the phone."""

import re

import pytest

from callable_admin.api.client import CallableAPI
from tests.conftest import DARREN, DARREN_TRUNK, DEAN

pytestmark = pytest.mark.django_db


def section(html: str, title_id: str) -> str:
    """The panel whose heading has id `title_id`."""
    match = re.search(
        rf'<section class="panel" aria-labelledby="{title_id}">(.*?)</section>', html, re.S
    )
    assert match, f"no section {title_id}"
    return match.group(1)


def test_it_shows_name_billing_number_domain_and_address(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/").content.decode()
    details = section(page, "details-title")
    assert "Darren&#x27;s Pizzas" in details
    assert "441234567890" in details and "darrenspizzas" in details
    address = section(page, "address-title")
    for part in (
        "Unit 5 The Old Printworks",
        "20 Wharf Rd",
        "Eastbourne",
        "East Sussex",
        "BN213AW",
        "United Kingdom",
    ):
        assert part in address


def test_it_shows_every_further_field_the_api_returns(demo_client, monkeypatch):
    real = CallableAPI.account

    def with_more_fields(self, account_id):
        return {**real(self, account_id), "status": "ACTIVE", "plan": {"tier": "gold"}}

    monkeypatch.setattr(CallableAPI, "account", with_more_fields)
    details = section(demo_client.get(f"/accounts/{DARREN}/").content.decode(), "details-title")
    assert "status" in details and "ACTIVE" in details
    assert "plan" in details and "{&quot;tier&quot;: &quot;gold&quot;}" in details


def test_each_number_shows_the_start_it_enters_or_not_routed(demo_client):
    numbers = section(demo_client.get(f"/accounts/{DARREN}/").content.decode(), "numbers-title")
    routed = re.search(r'data-ddi-id="7774872eb9991b38efa4d888">(.*?)</tr>', numbers, re.S).group(1)
    idle = re.search(r'data-ddi-id="8884872eb9991b38efa4d999">(.*?)</tr>', numbers, re.S).group(1)
    assert "+44 1234 567890" in routed and "Start of Flow" in routed
    assert "+44 1234 567891" in idle and "not routed" in idle


def test_trunks_show_the_gateways_that_use_them(demo_client):
    trunks = section(demo_client.get(f"/accounts/{DARREN}/").content.decode(), "trunks-title")
    assert "1.1.1.1:5060" in trunks and "Primary IP Address" in trunks
    assert "used by Primary GW" in trunks
    assert f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/" in trunks


def test_flow_hooks_and_event_hooks_are_shown_apart(demo_client):
    hooks = section(demo_client.get(f"/accounts/{DARREN}/").content.decode(), "hooks-title")
    flow_part, event_part = hooks.split("Event hooks")
    assert "http://test.com/myplugin" in flow_part and "myevent" not in flow_part
    assert "http://test.com/myevent" in event_part and "myplugin" not in event_part


def test_the_flow_summary_counts_devices_by_type_and_links_the_canvas(demo_client):
    flow = section(demo_client.get(f"/accounts/{DEAN}/").content.decode(), "flow-title")
    assert "9 devices" in flow
    assert re.search(
        r'data-device-type="ROUTE_START" class="t-route-start"><span class="count">2</span> Start',
        flow,
    )
    assert re.search(
        r'data-device-type="FLOW_HOOK" class="t-unknown"><span class="count">1</span> Flow hook',
        flow,
    )
    assert f'href="/accounts/{DEAN}/flow/"' in flow


def test_all_six_reads_go_upstream_at_once(demo_client, sandbox):
    sandbox.faults(latency_ms=300)
    response = demo_client.get(f"/accounts/{DARREN}/")
    assert response.status_code == 200
    timing = response["Server-Timing"]
    upstream = float(re.search(r"upstream;dur=([\d.]+)", timing).group(1))
    total = float(re.search(r"total;dur=([\d.]+)", timing).group(1))
    assert 'desc="6 calls"' in timing
    assert upstream >= 6 * 300  # each read waited its 300 ms…
    assert total < upstream / 3  # …side by side: one after another would take them all


def test_a_failing_address_read_shows_its_error_in_place(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=404, path="/address$")
    response = demo_client.get(f"/accounts/{DARREN}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Could not read the address" in section(page, "address-title")
    assert "Primary IP Address" in section(page, "trunks-title")  # the rest of the page stands


def test_a_failing_devices_read_shows_its_error_in_the_flow_section(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=500, path="/device$")
    response = demo_client.get(f"/accounts/{DARREN}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Could not read the flow" in section(page, "flow-title")
    assert "Unit 5 The Old Printworks" in section(page, "address-title")


def test_a_failing_account_read_is_the_pages_error(demo_client, sandbox):
    sandbox.faults(fail_next=3, fail_status=503, path=f"/account/{DARREN}$")
    response = demo_client.get(f"/accounts/{DARREN}/")
    assert response.status_code == 503
    assert "The Callable API did not answer" in response.content.decode()


def test_an_unknown_account_is_a_404(demo_client):
    response = demo_client.get("/accounts/ffffffffffffffffffffffff/")
    assert response.status_code == 404


def test_support_staff_see_it_all_with_no_edit_links(support_client):
    page = support_client.get(f"/accounts/{DARREN}/").content.decode()
    assert "Unit 5 The Old Printworks" in page and "Primary GW" in page
    assert ">Edit<" not in page and ">Manage<" not in page


def test_a_section_that_failed_to_load_says_so_in_its_tile_too(demo_client, sandbox):
    sandbox.faults(fail_rate=1.0, fail_status=503, path="/ddi")
    page = demo_client.get(f"/accounts/{DARREN}/").content.decode()
    tile = re.search(r"<dt>Numbers</dt><dd>(.*?)</dd>", page).group(1)
    assert "not loaded" in tile and ">0<" not in tile
    assert re.search(r"<dt>Trunks</dt><dd>1</dd>", page)


def test_the_overview_links_to_the_accounts_history(support_client):
    page = support_client.get(f"/accounts/{DARREN}/").content.decode()
    assert f'<a href="/audit/?account={DARREN}" class="history">History of this account</a>' in page
