"""Roles: reads for every signed-in user of the organisation, writes for OrganisationAdmin,
calls for VoiceChannel; other organisations' accounts do not exist for them."""

from __future__ import annotations

import pytest

DARREN = "5554872eb0731b38efa4d444"
TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
HOOK = "3ab34a16-dc17-42da-b67a-4d68d0046822"
DEVICE = "4db61df1-f214-4037-9a89-1276bc83a83a"
ACCOUNT = f"/api/v1/account/{DARREN}"

WRITES = [
    ("PUT", f"{ACCOUNT}/address", {"line1": "x", "country": "United Kingdom"}),
    ("POST", f"{ACCOUNT}/trunk", {"ip": "1.1.1.1", "port": 5060}),
    ("PUT", f"{ACCOUNT}/trunk/{TRUNK}", {"ip": "1.1.1.1", "port": 5060}),
    ("DELETE", f"{ACCOUNT}/trunk/{TRUNK}", None),
    ("POST", f"{ACCOUNT}/hook", {"app": "event.generic", "url": "http://test.com/x"}),
    ("PUT", f"{ACCOUNT}/hook/{HOOK}", {"app": "event.generic", "url": "http://test.com/x"}),
    ("DELETE", f"{ACCOUNT}/hook/{HOOK}", None),
    ("POST", f"{ACCOUNT}/device", {"type": "X", "name": "x"}),
    ("PUT", f"{ACCOUNT}/device/{DEVICE}", {"type": "X", "name": "x"}),
    ("DELETE", f"{ACCOUNT}/device/{DEVICE}", None),
]
VOICE_CALL = {
    "target": {"phoneNumber": {"number": "+441234567893"}},
    "verbs": [{"say": {"text": ["Hello"]}}],
}
READS = [
    "/api/v1/userAccounts/me",
    "/api/v1/account",
    ACCOUNT,
    f"{ACCOUNT}/address",
    f"{ACCOUNT}/ddi",
    f"{ACCOUNT}/trunk",
    f"{ACCOUNT}/trunk/{TRUNK}",
    f"{ACCOUNT}/hook",
    f"{ACCOUNT}/hook/{HOOK}",
    f"{ACCOUNT}/device",
    f"{ACCOUNT}/device/{DEVICE}",
]


@pytest.mark.parametrize("path", READS)
def test_support_reads_everything(support, path):
    assert support.get(path).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_support_gets_403_on_every_write_and_nothing_changes(support, demo, method, path, body):
    listing = path.rsplit("/", 1)[0] if method != "POST" else path
    before = demo.get(listing).json()

    response = support.request(method, path, json=body)

    assert response.status_code == 403
    assert response.json() == {"message": "This call needs the OrganisationAdmin role"}
    assert demo.get(listing).json() == before


def test_support_gets_403_on_a_voice_call_and_no_call_is_placed(support, control):
    response = support.post(f"{ACCOUNT}/channels/voice", json=VOICE_CALL)

    assert response.status_code == 403
    assert response.json() == {"message": "This call needs the VoiceChannel role"}
    assert control.get("/_sandbox/calls").json() == []


def test_a_write_without_the_role_is_refused_before_its_body_is_read(support):
    response = support.put(f"{ACCOUNT}/address", data=b"{not json")

    assert response.status_code == 403


def test_another_organisations_accounts_are_not_listed(demo):
    names = [account["name"] for account in demo.get("/api/v1/account").json()]

    assert "Northwind Internal Helpdesk" not in names


def test_another_organisations_account_is_404_for_demo(demo, api_for, sign_in, sandbox):
    northwind = api_for(sandbox.url, sign_in(sandbox.url, "northwind")["access_token"])
    [other] = northwind.get("/api/v1/account").json()

    assert northwind.get(f"/api/v1/account/{other['id']}").status_code == 200
    assert demo.get(f"/api/v1/account/{other['id']}").status_code == 404
    assert northwind.get(ACCOUNT).status_code == 404
    assert northwind.get("/api/v1/userAccounts/me").json()["name"] == "Northwind Telecom Resellers"
