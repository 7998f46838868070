"""The provider's REST API page, call by call, against a running sandbox over HTTP.

Expected values are copied from the page (its JSON typos repaired), not from the sandbox's code.
"""

from __future__ import annotations

import jwt

DARREN = "5554872eb0731b38efa4d444"
DARREN_TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
DARREN_START = "4db61df1-f214-4037-9a89-1276bc83a83a"
DARREN_GATEWAY = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
EVENT_HOOK = "3ab34a16-dc17-42da-b67a-4d68d0046822"

PAGE_TRUNK = {
    "id": DARREN_TRUNK,
    "ip": "1.1.1.1",
    "port": 5060,
    "vendor": "generic",
    "callerFormat": "national",
    "calledFormat": "national",
    "description": "Primary IP Address",
    "zone": "eu-west-1",
    "countryCode": "GB",
}
PAGE_HOOKS = [
    {
        "id": "2ad34a16-dc17-42da-b67a-4d68d0046832",
        "app": "flow.generic",
        "url": "http://test.com/myplugin",
        "authType": "DISABLED",
        "method": "POST",
        "priority": 10,
    },
    {
        "id": EVENT_HOOK,
        "app": "event.generic",
        "url": "http://test.com/myevent",
        "authType": "DISABLED",
        "method": "POST",
        "priority": 10,
    },
]
PAGE_GATEWAY = {
    "id": DARREN_GATEWAY,
    "type": "SIP_GATEWAY",
    "name": "Primary GW",
    "extension": "601",
    "sipGateway": {
        "ringTime": 180,
        "maxCallTime": 14400,
        "record": False,
        "trunks": [DARREN_TRUNK],
        "present": "pass-through",
        "countryCode": "GB",
        "onComplete": "HANGUP",
        "onFail": "HANGUP",
        "onNoAnswer": "HANGUP",
        "onBusy": "HANGUP",
    },
}
PAGE_START = {
    "id": DARREN_START,
    "type": "ROUTE_START",
    "name": "Start of Flow",
    "extension": "600",
    "startRoute": {"ddis": ["7774872eb9991b38efa4d888"], "connectTo": DARREN_GATEWAY},
}
PAGE_ADDRESS = {
    "line1": "Unit 5 The Old Printworks",
    "line2": "20 Wharf Rd",
    "level1": "East Sussex",
    "level2": "Eastbourne",
    "postalCode": "BN213AW",
    "country": "United Kingdom",
}


def without_id(doc: dict) -> dict:
    return {key: value for key, value in doc.items() if key != "id"}


def test_sign_in_returns_the_token_shape_of_the_page(anonymous):
    response = anonymous.post(
        "/api/v1/oauth/authorize",
        data="username=demo&password=1234",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["expires_in"] == 3600
    assert body["refresh_expires_in"] == 36000
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["realm_access"] == {
        "roles": ["OrganisationAdmin", "AdminRecorder", "VoiceChannel"]
    }
    assert claims["preferred_username"] == "demo"
    assert claims["exp"] - claims["iat"] == 3600
    assert {"sub", "jti", "organisationId"} <= claims.keys()


def test_a_refresh_token_renews_the_access_token(anonymous, sign_in):
    first = sign_in(anonymous.url, "demo")

    response = anonymous.post("/api/v1/oauth/authorize", data={"token": first["refresh_token"]})

    assert response.status_code == 200
    renewed = response.json()
    assert renewed.keys() >= {"access_token", "refresh_token", "expires_in", "refresh_expires_in"}
    assert renewed["access_token"] != first["access_token"]


def test_get_organisation_details(demo):
    response = demo.get("/api/v1/userAccounts/me", headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.json() == {"id": "3h74872eb0731b38efa4d556", "name": "Demo Organisation"}


def test_list_accounts_starts_with_the_page_accounts(demo):
    response = demo.get("/api/v1/account")

    assert response.status_code == 200
    accounts = response.json()
    assert accounts[:2] == [
        {"id": DARREN, "name": "Darren's Pizzas"},
        {"id": "5564872eb0731b38efa4d555", "name": "Dean's Taxis"},
    ]
    assert all(account.keys() == {"id", "name"} for account in accounts)


def test_get_account_details(demo):
    response = demo.get(f"/api/v1/account/{DARREN}")

    assert response.status_code == 200
    assert response.json() == {
        "id": DARREN,
        "name": "Darren's Pizzas",
        "mbn": "441234567890",
        "domain": "darrenspizzas",
    }


def test_get_account_address(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/address")

    assert response.status_code == 200
    assert response.json() == PAGE_ADDRESS


def test_update_account_address_answers_204_and_is_kept(demo):
    changed = {**PAGE_ADDRESS, "line2": "22 Wharf Rd"}

    response = demo.put(f"/api/v1/account/{DARREN}/address", json=changed)

    assert response.status_code == 204
    assert response.content == b""
    assert demo.get(f"/api/v1/account/{DARREN}/address").json() == changed


def test_update_address_without_a_content_type_like_the_page_sample(demo):
    body = b'{"line1": "Unit 6", "country": "United Kingdom"}'

    response = demo.put(f"/api/v1/account/{DARREN}/address", data=body)

    assert response.status_code == 204
    assert demo.get(f"/api/v1/account/{DARREN}/address").json() == {
        "line1": "Unit 6",
        "country": "United Kingdom",
    }


def test_list_ddis(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/ddi")

    assert response.status_code == 200
    assert response.json() == [
        {"id": "7774872eb9991b38efa4d888", "name": "441234567890"},
        {"id": "8884872eb9991b38efa4d999", "name": "441234567891"},
    ]


def test_list_trunks(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/trunk")

    assert response.status_code == 200
    assert response.json() == [PAGE_TRUNK]


def test_get_trunk(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/trunk/{DARREN_TRUNK}")

    assert response.status_code == 200
    assert response.json() == PAGE_TRUNK


def test_create_trunk_answers_201_with_an_empty_body(demo):
    before = demo.get(f"/api/v1/account/{DARREN}/trunk").json()

    # The page's own trunk is already there: a second one at the same ip:port is refused.
    page_trunk = {**without_id(PAGE_TRUNK), "port": 5062}
    response = demo.post(f"/api/v1/account/{DARREN}/trunk", json=page_trunk)

    assert response.status_code == 201
    assert response.content == b""
    assert "Location" not in response.headers
    after = demo.get(f"/api/v1/account/{DARREN}/trunk").json()
    assert after[: len(before)] == before
    [created] = after[len(before) :]
    assert without_id(created) == page_trunk
    assert created["id"] != DARREN_TRUNK


def test_update_trunk(demo):
    changed = {**PAGE_TRUNK, "description": "Primary PBX", "port": 5061}

    response = demo.put(f"/api/v1/account/{DARREN}/trunk/{DARREN_TRUNK}", json=changed)

    assert response.status_code == 204
    assert demo.get(f"/api/v1/account/{DARREN}/trunk/{DARREN_TRUNK}").json() == changed


def test_list_hooks(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/hook")

    assert response.status_code == 200
    assert response.json() == PAGE_HOOKS


def test_get_hook(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/hook/{EVENT_HOOK}")

    assert response.status_code == 200
    assert response.json() == PAGE_HOOKS[1]


def test_create_hook(demo):
    response = demo.post(f"/api/v1/account/{DARREN}/hook", json=without_id(PAGE_HOOKS[1]))

    assert response.status_code == 201
    hooks = demo.get(f"/api/v1/account/{DARREN}/hook").json()
    assert len(hooks) == 3
    assert without_id(hooks[2]) == without_id(PAGE_HOOKS[1])


def test_update_hook(demo):
    changed = {**PAGE_HOOKS[1], "priority": 20, "url": "https://test.com/myevent"}

    response = demo.put(f"/api/v1/account/{DARREN}/hook/{EVENT_HOOK}", json=changed)

    assert response.status_code == 204
    assert demo.get(f"/api/v1/account/{DARREN}/hook/{EVENT_HOOK}").json() == changed


def test_list_devices_is_the_page_flow(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/device")

    assert response.status_code == 200
    assert response.json() == [PAGE_GATEWAY, PAGE_START]


def test_get_device(demo):
    response = demo.get(f"/api/v1/account/{DARREN}/device/{DARREN_START}")

    assert response.status_code == 200
    assert response.json() == PAGE_START


def test_create_device_from_the_page_sample(demo):
    sample = without_id(PAGE_START) | {"extension": "602"}  # 600 is taken by the seeded start

    response = demo.post(f"/api/v1/account/{DARREN}/device", json=sample)

    assert response.status_code == 201
    devices = demo.get(f"/api/v1/account/{DARREN}/device").json()
    assert without_id(devices[-1]) == sample


def test_update_device_sample_with_the_device_id_in_the_path(demo):
    sample = {**PAGE_START, "startRoute": {**PAGE_START["startRoute"], "connectTo": "HANGUP"}}

    response = demo.put(f"/api/v1/account/{DARREN}/device/{DARREN_START}", json=sample)

    assert response.status_code == 204
    assert demo.get(f"/api/v1/account/{DARREN}/device/{DARREN_START}").json() == sample


def test_update_device_sample_as_printed_with_a_trunk_id_in_the_path_is_404(demo):
    sample = {**PAGE_START, "startRoute": {**PAGE_START["startRoute"], "connectTo": "HANGUP"}}

    response = demo.put(f"/api/v1/account/{DARREN}/device/{DARREN_TRUNK}", json=sample)

    assert response.status_code == 404
    assert "message" in response.json()


def test_create_voice_call_pizza_outside(demo, control):
    call = {
        "callerId": "+441234567890",
        "tag": {"data": {"myKey": "myValue"}},
        "target": {"phoneNumber": {"number": "+441234567893"}},
        "verbs": [
            {"say": {"text": ["Your pizza is outside!"]}},
            {"hangup": {"reason": "call-complete"}},
        ],
    }

    response = demo.post(f"/api/v1/account/{DARREN}/channels/voice", json=call)

    assert response.status_code == 201
    assert response.content == b""
    [recorded] = control.get("/_sandbox/calls").json()
    assert recorded["request"] == call
    assert recorded["accountId"] == DARREN


def test_create_voice_call_to_an_extension_then_dial(demo, control):
    call = {
        "callerId": "+441234567890",
        "target": {"extension": {"extension": "604", "overrideTo": "201"}},
        "verbs": [
            {"say": {"text": ["Connection you now!"]}},
            {
                "dial": {
                    "callerId": "+441234567890",
                    "timeout": 10,
                    "timeLimit": 14400,
                    "targets": [{"phoneNumber": {"number": "+441234567891"}}],
                }
            },
        ],
    }

    response = demo.post(f"/api/v1/account/{DARREN}/channels/voice", json=call)

    assert response.status_code == 201
    assert [c["request"] for c in control.get("/_sandbox/calls").json()] == [call]
