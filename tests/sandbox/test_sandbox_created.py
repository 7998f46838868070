"""The three shapes of a 201 a client must cope with: empty, the object as body, a Location."""

from __future__ import annotations

import pytest

DARREN = "5554872eb0731b38efa4d444"
ACCOUNT = f"/api/v1/account/{DARREN}"
NEW = {
    "trunk": {"ip": "198.51.100.9", "port": 5060, "zone": "eu-west-1"},
    "hook": {"app": "flow.generic", "url": "https://x.example/flow", "priority": 5},
    "device": {"type": "ANNOUNCEMENT", "name": "Hello", "announcement": {"connectTo": "HANGUP"}},
}
CALL = {"target": {"sipUri": {"uri": "sip:601@darrenspizzas"}}, "verbs": [{"hangup": {}}]}


@pytest.mark.parametrize("kind", NEW)
def test_default_is_an_empty_body_without_location(demo, kind):
    response = demo.post(f"{ACCOUNT}/{kind}", json=NEW[kind])

    assert response.status_code == 201
    assert response.content == b""
    assert "Location" not in response.headers
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("kind", NEW)
def test_body_mode_answers_with_the_created_object(demo, control, kind):
    control.post("/_sandbox/config", json={"created": "body"})

    response = demo.post(f"{ACCOUNT}/{kind}", json=NEW[kind])

    assert response.status_code == 201
    created = response.json()
    assert {k: v for k, v in created.items() if k != "id"} == NEW[kind]
    assert demo.get(f"{ACCOUNT}/{kind}/{created['id']}").json() == created


@pytest.mark.parametrize("kind", NEW)
def test_location_mode_names_the_new_object_with_an_empty_body(demo, control, kind):
    control.post("/_sandbox/config", json={"created": "location"})

    response = demo.post(f"{ACCOUNT}/{kind}", json=NEW[kind])

    assert response.status_code == 201
    assert response.content == b""
    location = response.headers["Location"]
    assert location.startswith(f"{ACCOUNT}/{kind}/")
    fetched = demo.get(location)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == location.rsplit("/", 1)[1]


def test_new_ids_are_uuids(demo, control):
    control.post("/_sandbox/config", json={"created": "body"})

    new_id = demo.post(f"{ACCOUNT}/trunk", json=NEW["trunk"]).json()["id"]

    assert len(new_id) == 36 and new_id.count("-") == 4


def test_voice_call_in_body_mode(demo, control):
    control.post("/_sandbox/config", json={"created": "body"})

    response = demo.post(f"{ACCOUNT}/channels/voice", json=CALL)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"
    assert body["callerId"] == "+441234567890"  # blank: the account's main billing number
    assert body["id"] == control.get("/_sandbox/calls").json()[0]["id"]


def test_voice_call_in_location_mode(demo, control):
    control.post("/_sandbox/config", json={"created": "location"})

    response = demo.post(f"{ACCOUNT}/channels/voice", json=CALL)

    call_id = control.get("/_sandbox/calls").json()[0]["id"]
    assert response.headers["Location"] == f"{ACCOUNT}/channels/voice/{call_id}"


def test_the_mode_is_reset_between_tests(demo, control):
    control.post("/_sandbox/config", json={"created": "body"})

    control.post("/_sandbox/reset")

    assert control.get("/_sandbox/config").json()["created"] == "empty"
