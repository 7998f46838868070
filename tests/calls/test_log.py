"""The log of calls placed, at /accounts/<id>/calls/."""

import html
import re

import pytest

from callable_admin.calls.models import PlacedCall
from tests.calls.test_new import NEW, call_form
from tests.conftest import DARREN, DARREN_GATEWAY, DEAN

pytestmark = pytest.mark.django_db

LOG = f"/accounts/{DARREN}/calls/"


def rows(page: str) -> list[str]:
    return re.findall(r'<tr id="call-\d+">.*?</tr>', page, re.S)


def test_it_lists_the_calls_placed_newest_first_with_target_and_verbs(demo_client, sandbox):
    demo_client.post(NEW, call_form(target_number="+441234567801"))
    demo_client.post(
        NEW,
        call_form(
            target_kind="device",
            target_device=DARREN_GATEWAY,
            verb_1_kind="hangup",
            verb_1_reason="call-complete",
        ),
    )
    page = html.unescape(demo_client.get(LOG).content.decode())
    newest, oldest = rows(page)
    assert "device Primary GW" in newest  # the device named, not just its id
    assert "Say “Your pizza is outside!”" in newest and "Hang up (call-complete)" in newest
    assert "+441234567801" in oldest and "Hang up" not in oldest
    assert ">demo<" in newest and 'class="badge ok">placed<' in newest
    assert "2 calls, newest first" in page


def test_each_entry_shows_the_request_sent_and_the_answer(demo_client, sandbox):
    sandbox.config(created="body")
    demo_client.post(NEW, call_form())
    [call] = sandbox.calls()
    [row] = rows(html.unescape(demo_client.get(LOG).content.decode()))
    assert '"number": "+441234567893"' in row  # the request, whole
    assert f'"id": "{call["id"]}"' in row and '"status": "queued"' in row  # the 201's body
    assert f"Call <code>{call['id']}</code>" in row and "HTTP 201" in row


def test_refused_and_failed_calls_are_listed_with_the_upstreams_message(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=409, method="POST", path="channels/voice")
    demo_client.post(NEW, call_form())
    sandbox.faults(fail_next=1, fail_status=500, method="POST", path="channels/voice")
    demo_client.post(NEW, call_form())
    failed, refused = rows(html.unescape(demo_client.get(LOG).content.decode()))
    assert 'class="badge warn">refused<' in refused and "Injected fault: HTTP 409" in refused
    assert 'class="badge err">failed<' in failed and "HTTP 500" in failed


def test_it_lists_only_this_accounts_calls(demo_client, sandbox):
    demo_client.post(NEW, call_form())
    page = demo_client.get(f"/accounts/{DEAN}/calls/").content.decode()
    assert rows(page) == [] and "No calls placed from this account yet" in page


def test_place_again_links_open_the_builder_prefilled_for_review(demo_client, sandbox):
    demo_client.post(NEW, call_form(target_number="+441234567801"))
    placed = PlacedCall.objects.get()
    page = demo_client.get(LOG).content.decode()
    link = f'href="/accounts/{DARREN}/calls/new/?again={placed.pk}"'
    assert link in page
    builder = demo_client.get(f"{NEW}?again={placed.pk}").content.decode()
    assert 'value="+441234567801"' in builder
    assert len(sandbox.calls()) == 1  # opening it placed nothing


def test_the_log_is_paged(demo_client, sandbox):
    body = {"target": {"phoneNumber": {"number": "+441234567893"}}, "verbs": [{"hangup": {}}]}
    PlacedCall.objects.bulk_create(
        PlacedCall(account_id=DARREN, username="demo", request_body=body, outcome="applied")
        for _ in range(30)
    )
    first = demo_client.get(LOG).content.decode()
    second = demo_client.get(LOG + "?page=2").content.decode()
    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert "Page 1 of 2" in first and 'href="?page=2"' in first


def test_the_log_still_shows_when_the_devices_cannot_be_read(demo_client, sandbox):
    demo_client.post(NEW, call_form(target_kind="device", target_device=DARREN_GATEWAY))
    sandbox.faults(fail_next=3, fail_status=500, method="GET", path="/device$")
    response = demo_client.get(LOG)
    assert response.status_code == 200
    assert "device 7aa48c2a-aa01…" in html.unescape(response.content.decode())
