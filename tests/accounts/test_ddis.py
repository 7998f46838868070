"""/accounts/<id>/ddis/: each number, the start it enters, and what needs attention."""

import re

import pytest

from tests.conftest import DARREN, DARREN_GATEWAY, DEAN

pytestmark = pytest.mark.django_db

ROUTED = "7774872eb9991b38efa4d888"
IDLE = "8884872eb9991b38efa4d999"


def row(html: str, ddi_id: str) -> str:
    return re.search(rf'data-ddi-id="{ddi_id}">(.*?)</tr>', html, re.S).group(1)


def test_each_number_shows_the_start_device_it_enters(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/ddis/").content.decode()
    assert "+44 1234 567890" in row(page, ROUTED) and "Start of Flow" in row(page, ROUTED)
    assert 'badge ok">routed' in row(page, ROUTED)


def test_a_number_no_start_lists_is_flagged_not_routed(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/ddis/").content.decode()
    assert 'badge warn">not routed' in row(page, IDLE)
    assert "1 number needs attention" in page


def test_a_number_listed_by_two_starts_is_flagged(demo_client, sandbox):
    token = sandbox.token()
    second_start = {
        "type": "ROUTE_START",
        "name": "Late start",
        "extension": "650",
        "startRoute": {"ddis": [ROUTED], "connectTo": DARREN_GATEWAY},
    }
    created = sandbox.api("POST", f"/api/v1/account/{DARREN}/device", token, json=second_start)
    assert created.status_code == 201
    page = demo_client.get(f"/accounts/{DARREN}/ddis/").content.decode()
    assert "Start of Flow" in row(page, ROUTED) and "Late start" in row(page, ROUTED)
    assert "listed by more than one start" in row(page, ROUTED)
    assert "2 numbers need attention" in page


def test_every_number_of_a_larger_flow_is_routed(demo_client):
    page = demo_client.get(f"/accounts/{DEAN}/ddis/").content.decode()
    assert "Bookings line" in page and "Account customers line" in page
    assert "need attention" not in page and "needs attention" not in page


def test_the_page_reads_account_numbers_and_devices_at_once(demo_client, sandbox):
    demo_client.get(f"/accounts/{DARREN}/ddis/")
    paths = sorted(e["path"] for e in sandbox.api_requests())
    assert paths == sorted(
        [
            f"/api/v1/account/{DARREN}",
            f"/api/v1/account/{DARREN}/ddi",
            f"/api/v1/account/{DARREN}/device",
        ]
    )


def test_support_staff_see_the_numbers(support_client):
    assert "441234567891" in support_client.get(f"/accounts/{DARREN}/ddis/").content.decode()


def test_a_routed_number_links_to_a_trace_of_its_call_and_an_idle_one_does_not(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/ddis/").content.decode()
    trace = f'href="/accounts/{DARREN}/flow/?ddi={ROUTED}"'
    assert trace in row(page, ROUTED)
    assert "Trace a call" not in row(page, IDLE)
    canvas = demo_client.get(f"/accounts/{DARREN}/flow/?ddi={ROUTED}").content.decode()
    assert "The call ends" in canvas
