"""The control path /_sandbox/: request log, config, revoke, reset, synthetic accounts, calls."""

from __future__ import annotations

import re
import time

import pytest

DARREN = "5554872eb0731b38efa4d444"
ACCOUNT = f"/api/v1/account/{DARREN}"
TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
PORT = re.compile(r"on[A-Z]")


def links(value, found=None) -> list[str]:
    """Every link value in a device: connectTo or on + capital, at any depth."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "connectTo" or PORT.match(key):
                found.append(child)
            else:
                links(child, found)
    elif isinstance(value, list):
        for child in value:
            links(child, found)
    return found


def test_the_index_lists_the_control_paths(control):
    index = control.get("/_sandbox/").json()

    assert {"faults", "requests", "config", "revoke", "reset", "accounts", "calls"} <= index.keys()


def test_the_request_log_records_api_calls_oldest_first(demo, control):
    control.delete("/_sandbox/requests")
    demo.get(f"{ACCOUNT}/trunk?page=2", headers={"User-Agent": "callable-admin/test"})
    demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json={"ip": "1.1.1.1", "port": 5061})
    demo.get("/api/v1/nowhere")

    log = control.get("/_sandbox/requests").json()

    assert [(e["seq"], e["method"], e["status"]) for e in log] == [
        (1, "GET", 200),
        (2, "PUT", 204),
        (3, "GET", 404),
    ]
    assert log[0]["query"] == "page=2"
    assert log[0]["user_agent"] == "callable-admin/test"
    assert log[0]["user"] == "demo"
    assert log[0]["body"] is None
    assert log[1]["body"] == {"ip": "1.1.1.1", "port": 5061}
    assert log[1]["path"] == f"{ACCOUNT}/trunk/{TRUNK}"
    assert all(isinstance(e["ms"], float | int) for e in log)
    assert log[2]["user"] is None


def test_control_calls_are_not_logged(control):
    control.delete("/_sandbox/requests")
    control.get("/_sandbox/faults")

    assert control.get("/_sandbox/requests").json() == []


def test_deleting_the_log_empties_it(demo, control):
    demo.get(ACCOUNT)

    assert control.delete("/_sandbox/requests").status_code == 204
    assert control.get("/_sandbox/requests").json() == []


def test_config_shows_and_changes_settings(control):
    assert control.get("/_sandbox/config").json() == {
        "access_ttl": 3600,
        "refresh_ttl": 36000,
        "created": "empty",
        "rotate_refresh": True,
    }

    changed = control.post("/_sandbox/config", json={"created": "location", "access_ttl": 5})

    assert changed.json() == {
        "access_ttl": 5,
        "refresh_ttl": 36000,
        "created": "location",
        "rotate_refresh": True,
    }


@pytest.mark.parametrize(
    "settings",
    [
        {"created": "json"},
        {"access_ttl": 0},
        {"refresh_ttl": "60"},
        {"ttl": 5},
        {"access_ttl": True},
        {"rotate_refresh": "no"},
    ],
)
def test_bad_config_is_400(control, settings):
    assert control.post("/_sandbox/config", json=settings).status_code == 400


def test_revoke_with_no_body_revokes_both(anonymous, control, sign_in):
    tokens = sign_in(anonymous.url, "demo")

    control.post("/_sandbox/revoke")

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert anonymous.get(ACCOUNT, headers=bearer).status_code == 401
    assert (
        anonymous.post(
            "/api/v1/oauth/authorize", data={"token": tokens["refresh_token"]}
        ).status_code
        == 401
    )


def test_reset_restores_the_seed_and_clears_everything_else(demo, control):
    demo.put(f"{ACCOUNT}/address", json={"line1": "Moved", "country": "France"})
    demo.post(f"{ACCOUNT}/trunk", json={"ip": "9.9.9.9", "port": 5060})
    demo.delete(f"{ACCOUNT}/hook/3ab34a16-dc17-42da-b67a-4d68d0046822")
    demo.post(
        f"{ACCOUNT}/channels/voice",
        json={"target": {"phoneNumber": {"number": "+441234567893"}}, "verbs": [{"hangup": {}}]},
    )
    control.post("/_sandbox/faults", json={"latency_ms": 10})
    control.post("/_sandbox/config", json={"created": "body"})

    began = time.perf_counter()
    assert control.post("/_sandbox/reset").status_code == 204
    took = time.perf_counter() - began

    assert demo.get(f"{ACCOUNT}/address").json()["line1"] == "Unit 5 The Old Printworks"
    assert len(demo.get(f"{ACCOUNT}/trunk").json()) == 1
    assert len(demo.get(f"{ACCOUNT}/hook").json()) == 2
    assert control.get("/_sandbox/calls").json() == []
    assert control.get("/_sandbox/faults").json()["latency_ms"] == 0
    assert control.get("/_sandbox/config").json()["created"] == "empty"
    # the log holds only what came after the reset: the three reads above
    assert [e["path"] for e in control.get("/_sandbox/requests").json()] == [
        f"{ACCOUNT}/address",
        f"{ACCOUNT}/trunk",
        f"{ACCOUNT}/hook",
    ]
    assert took < 0.25


def test_a_token_survives_a_reset(demo, control):
    control.post("/_sandbox/reset")

    assert demo.get(ACCOUNT).status_code == 200


def test_a_synthetic_account_has_a_valid_flow_of_the_size_asked(demo, control):
    response = control.post("/_sandbox/accounts", json={"name": "Bench Flow 1000", "devices": 1000})

    assert response.status_code == 201
    created = response.json()
    account = f"/api/v1/account/{created['id']}"
    devices = demo.get(f"{account}/device").json()
    assert len(devices) == created["devices"] == 1000
    assert created["id"] in [a["id"] for a in demo.get("/api/v1/account").json()]
    device_ids = {device["id"] for device in devices}
    assert all(
        link == "HANGUP" or link in device_ids for device in devices for link in links(device)
    )
    ddi_ids = {ddi["id"] for ddi in demo.get(f"{account}/ddi").json()}
    starts = [device for device in devices if device["type"] == "ROUTE_START"]
    assert {ddi for start in starts for ddi in start["startRoute"]["ddis"]} == ddi_ids
    assert {"IVR_MENU", "QUEUE", "SIP_GATEWAY", "VOICEMAIL", "TIME_SWITCH"} <= {
        d["type"] for d in devices
    }
    assert len({device["extension"] for device in devices}) == 1000


def test_a_synthetic_account_is_deterministic_and_asking_again_rebuilds_it(demo, control):
    first = control.post("/_sandbox/accounts", json={"name": "Repeatable", "devices": 120}).json()
    account = f"/api/v1/account/{first['id']}"
    devices = demo.get(f"{account}/device").json()
    demo.delete(f"{account}/device/{devices[-1]['id']}")

    second = control.post("/_sandbox/accounts", json={"name": "Repeatable", "devices": 120}).json()

    assert second["id"] == first["id"]
    assert demo.get(f"{account}/device").json() == devices
    names = [a["name"] for a in demo.get("/api/v1/account").json()]
    assert names.count("Repeatable") == 1


def test_synthetic_devices_pass_the_sandboxs_own_validation(demo, control):
    created = control.post("/_sandbox/accounts", json={"name": "Small", "devices": 60}).json()
    account = f"/api/v1/account/{created['id']}"

    for device in demo.get(f"{account}/device").json()[:15]:
        assert demo.put(f"{account}/device/{device['id']}", json=device).status_code == 204


@pytest.mark.parametrize("size", [1, 2, 5, 49, 50])
def test_tiny_synthetic_flows_are_valid(demo, control, size):
    created = control.post(
        "/_sandbox/accounts", json={"name": f"Tiny {size}", "devices": size}
    ).json()

    devices = demo.get(f"/api/v1/account/{created['id']}/device").json()

    assert len(devices) == size
    device_ids = {device["id"] for device in devices}
    assert all(
        link == "HANGUP" or link in device_ids for device in devices for link in links(device)
    )


def test_a_reset_removes_synthetic_accounts(demo, control):
    created = control.post("/_sandbox/accounts", json={"name": "Temporary", "devices": 10}).json()

    control.post("/_sandbox/reset")

    assert demo.get(f"/api/v1/account/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"devices": 10},
        {"name": "", "devices": 10},
        {"name": "x", "devices": 0},
        {"name": "x", "devices": 10**6},
    ],
)
def test_bad_synthetic_account_requests_are_400(control, body):
    assert control.post("/_sandbox/accounts", json=body).status_code == 400


def test_unknown_control_paths_are_404_and_wrong_methods_405(control):
    assert control.get("/_sandbox/nothing").status_code == 404
    response = control.put("/_sandbox/faults", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST, DELETE"


def test_a_hostile_body_does_not_break_the_request_log(demo, control):
    deep = b'{"a":' * 500 + b"1" + b"}" * 500
    demo.put(f"{ACCOUNT}/address", data=deep, headers={"Content-Type": "application/json"})
    demo.put(f"{ACCOUNT}/address", data=b'{"line1": "\\ud800"}')
    demo.put(f"{ACCOUNT}/address", data=b"{" + b" " * 70_000 + b"}")

    response = control.get("/_sandbox/requests")

    assert response.status_code == 200
    assert [entry["status"] for entry in response.json()][-3:] == [400, 400, 400]
