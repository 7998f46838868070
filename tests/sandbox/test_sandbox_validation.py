"""Validation like a real API: 400 with the fields named, malformed bodies refused, links checked,
and deletes refused (409) while a device still refers to the object."""

from __future__ import annotations

import pytest

DARREN = "5554872eb0731b38efa4d444"
DEAN = "5564872eb0731b38efa4d555"
ACCOUNT = f"/api/v1/account/{DARREN}"
TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
GATEWAY = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
START = "4db61df1-f214-4037-9a89-1276bc83a83a"
DDI = "7774872eb9991b38efa4d888"
SPARE_DDI = "8884872eb9991b38efa4d999"
DEAN_DDI = "9994872eb9991b38efa4daaa"
EVENT_HOOK = "3ab34a16-dc17-42da-b67a-4d68d0046822"

ADDRESS = {"line1": "Unit 5", "country": "United Kingdom"}
TRUNK_FIELDS = {  # a new trunk: the seeded one is at 1.1.1.1:5060
    "ip": "1.1.1.2",
    "port": 5060,
    "vendor": "generic",
    "callerFormat": "national",
    "calledFormat": "national",
    "description": "Primary IP Address",
    "zone": "eu-west-1",
    "countryCode": "GB",
}
HOOK_FIELDS = {
    "app": "event.generic",
    "url": "http://test.com/myevent",
    "authType": "DISABLED",
    "method": "POST",
    "priority": 10,
}
HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE objects; --",
    "Robert\u202eevil",
    "😀 ünïcödé ☎",
    '{"json": "inside"}',
    "%s%n%x",
    "../../etc/passwd",
]


def field_errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Validation failed"
    return {error["field"]: error["message"] for error in body["errors"]}


# address


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line1": None}, "line1"),
        ({"line1": "   "}, "line1"),
        ({"line1": 5}, "line1"),
        ({"line1": "x" * 201}, "line1"),
        ({"line1": "Unit 5\x00"}, "line1"),
        ({"country": ""}, "country"),
        ({"country": ["United Kingdom"]}, "country"),
        ({"postalCode": "B" * 21}, "postalCode"),
        ({"level2": {"town": "Eastbourne"}}, "level2"),
        ({"line2": "two\nlines"}, "line2"),
    ],
)
def test_address_rules(demo, change, field):
    response = demo.put(f"{ACCOUNT}/address", json={**ADDRESS, **change})

    assert field in field_errors(response)


def test_address_lists_every_bad_field_at_once(demo):
    response = demo.put(f"{ACCOUNT}/address", json={"line2": 7})

    assert field_errors(response).keys() == {"line1", "country", "line2"}


def test_an_address_refused_leaves_the_stored_one(demo):
    before = demo.get(f"{ACCOUNT}/address").json()

    demo.put(f"{ACCOUNT}/address", json={"line1": ""})

    assert demo.get(f"{ACCOUNT}/address").json() == before


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_are_stored_and_returned_verbatim(demo, hostile):
    address = {**ADDRESS, "line2": hostile}

    assert demo.put(f"{ACCOUNT}/address", json=address).status_code == 204
    assert demo.get(f"{ACCOUNT}/address").json()["line2"] == hostile


# trunks


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ip": "1.1.1.1,"}, "ip"),  # the provider page's typo, as data
        ({"ip": "1.1.1"}, "ip"),
        ({"ip": "999.1.1.1"}, "ip"),
        ({"ip": "pbx.example.com"}, "ip"),
        ({"ip": 16843009}, "ip"),
        ({"ip": None}, "ip"),
        ({"port": 0}, "port"),
        ({"port": 65536}, "port"),
        ({"port": "5060"}, "port"),
        ({"port": True}, "port"),
        ({"port": 5060.0}, "port"),
        ({"port": None}, "port"),
        ({"callerFormat": "E164"}, "callerFormat"),
        ({"calledFormat": "local"}, "calledFormat"),
        ({"countryCode": "gb"}, "countryCode"),
        ({"countryCode": "UK"}, "countryCode"),
        ({"countryCode": "GBR"}, "countryCode"),
        ({"countryCode": ["GB"]}, "countryCode"),
        ({"zone": ""}, "zone"),
        ({"zone": 1}, "zone"),
        ({"vendor": "v" * 65}, "vendor"),
        ({"description": "d" * 256}, "description"),
    ],
)
def test_trunk_rules_on_create_and_update(demo, change, field):
    body = {**TRUNK_FIELDS, **change}

    assert field in field_errors(demo.post(f"{ACCOUNT}/trunk", json=body))
    assert field in field_errors(demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json=body))


@pytest.mark.parametrize("ip", ["2001:db8::10", "8.8.4.4", "203.0.113.200"])
def test_trunk_accepts_ipv4_and_ipv6(demo, ip):
    response = demo.post(f"{ACCOUNT}/trunk", json={**TRUNK_FIELDS, "ip": ip})

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.4.5", "private"),
        ("192.168.1.10", "private"),
        ("fd00::5", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("255.255.255.255", "broadcast"),
        ("224.0.0.5", "multicast"),
        ("::ffff:192.168.0.1", "private"),
    ],
)
def test_trunk_refuses_addresses_the_platform_cannot_reach(demo, ip, why):
    for response in (
        demo.post(f"{ACCOUNT}/trunk", json={**TRUNK_FIELDS, "ip": ip}),
        demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json={**TRUNK_FIELDS, "ip": ip}),
    ):
        assert why in field_errors(response)["ip"]


def test_trunk_refuses_an_ip_and_port_the_account_already_has(demo):
    assert demo.post(f"{ACCOUNT}/trunk", json=TRUNK_FIELDS).status_code == 201
    again = demo.post(f"{ACCOUNT}/trunk", json=TRUNK_FIELDS)
    assert "already used" in field_errors(again)["ip"]
    other_port = demo.post(f"{ACCOUNT}/trunk", json={**TRUNK_FIELDS, "port": 5070})
    assert other_port.status_code == 201
    # Saving a trunk with its own address again is no clash.
    assert (
        demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json={**TRUNK_FIELDS, "ip": "1.1.1.1"}).status_code
        == 204
    )


@pytest.mark.parametrize("code", ["GB", "IE", "US", "DE", "AX", "ZW"])
def test_trunk_accepts_iso_country_codes(demo, code):
    response = demo.post(f"{ACCOUNT}/trunk", json={**TRUNK_FIELDS, "countryCode": code})

    assert response.status_code == 201


def test_a_trunk_needs_only_ip_and_port(demo):
    response = demo.post(f"{ACCOUNT}/trunk", json={"ip": "1.2.3.4", "port": 5080})

    assert response.status_code == 201


# hooks


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"app": "flow.custom"}, "app"),
        ({"app": None}, "app"),
        ({"url": "ftp://test.com/x"}, "url"),
        ({"url": "test.com/myevent"}, "url"),
        ({"url": "http://"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://test.com/" + "a" * 2040}, "url"),
        ({"url": "http://test.com/with space"}, "url"),
        ({"url": "http://test.com:99999/x"}, "url"),
        ({"url": None}, "url"),
        ({"authType": "NONE"}, "authType"),
        ({"authType": "disabled"}, "authType"),
        ({"method": "DELETE"}, "method"),
        ({"priority": -1}, "priority"),
        ({"priority": 1001}, "priority"),
        ({"priority": "10"}, "priority"),
        ({"priority": False}, "priority"),
    ],
)
def test_hook_rules_on_create_and_update(demo, change, field):
    body = {**HOOK_FIELDS, **change}

    assert field in field_errors(demo.post(f"{ACCOUNT}/hook", json=body))
    assert field in field_errors(demo.put(f"{ACCOUNT}/hook/{EVENT_HOOK}", json=body))


@pytest.mark.parametrize("auth_type", ["DISABLED", "BASIC", "BEARER", "HMAC"])
@pytest.mark.parametrize("method", ["POST", "PUT", "GET"])
def test_hook_accepts_every_auth_type_and_method(demo, auth_type, method):
    body = {**HOOK_FIELDS, "authType": auth_type, "method": method, "url": "https://x.example/h"}

    assert demo.post(f"{ACCOUNT}/hook", json=body).status_code == 201


# devices


def device(**fields) -> dict:
    return {"type": "ANNOUNCEMENT", "name": "Welcome", **fields}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "type"),
        (device(type="route_start"), "type"),
        (device(type="1ABC"), "type"),
        (device(type="ROUTE-START"), "type"),
        (device(type=""), "type"),
        (device(name=None), "name"),
        (device(name=" "), "name"),
        (device(name="n" * 101), "name"),
        (device(extension="60a"), "extension"),
        (device(extension=602), "extension"),
        (device(extension="12345678901"), "extension"),
        (device(extension="601"), "extension"),  # Primary GW's
        ({"type": "ROUTE_START", "name": "Start"}, "startRoute"),
        ({"type": "ROUTE_START", "name": "S", "startRoute": []}, "startRoute"),
        (
            {"type": "ROUTE_START", "name": "S", "startRoute": {"connectTo": "HANGUP"}},
            "startRoute.ddis",
        ),
        (
            {
                "type": "ROUTE_START",
                "name": "S",
                "startRoute": {"ddis": [DEAN_DDI], "connectTo": "HANGUP"},
            },
            "startRoute.ddis[0]",
        ),
        (
            {
                "type": "ROUTE_START",
                "name": "S",
                "startRoute": {"ddis": SPARE_DDI, "connectTo": "HANGUP"},
            },
            "startRoute.ddis",
        ),
        (
            {"type": "ROUTE_START", "name": "S", "startRoute": {"ddis": [SPARE_DDI]}},
            "startRoute.connectTo",
        ),
        (
            {
                "type": "ROUTE_START",
                "name": "S",
                "startRoute": {"ddis": [SPARE_DDI], "connectTo": "nowhere"},
            },
            "startRoute.connectTo",
        ),
        ({"type": "SIP_GATEWAY", "name": "GW"}, "sipGateway"),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"trunks": ["nope"]}},
            "sipGateway.trunks[0]",
        ),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"ringTime": 0}},
            "sipGateway.ringTime",
        ),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"maxCallTime": -5}},
            "sipGateway.maxCallTime",
        ),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"record": "no"}},
            "sipGateway.record",
        ),
        ({"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"present": 1}}, "sipGateway.present"),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"countryCode": "XX"}},
            "sipGateway.countryCode",
        ),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"onBusy": "BUSY"}},
            "sipGateway.onBusy",
        ),
        (
            {"type": "SIP_GATEWAY", "name": "GW", "sipGateway": {"onFail": None}},
            "sipGateway.onFail",
        ),
    ],
)
def test_device_rules(demo, body, field):
    assert field in field_errors(demo.post(f"{ACCOUNT}/device", json=body))


def test_links_are_checked_at_any_depth_in_unknown_types(demo):
    menu = {
        "type": "IVR_MENU",
        "name": "Menu",
        "ivrMenu": {
            "prompt": "Press 1",
            "onTimeout": "HANGUP",
            "onNoMatch": "missing-device",
            "options": [
                {"digit": "1", "connectTo": GATEWAY},
                {"digit": "2", "connectTo": "7aa48c2a-0000-0000-0000-000000000000"},
                {"digit": "3", "connectTo": {"id": GATEWAY}},
            ],
        },
    }

    errors = field_errors(demo.post(f"{ACCOUNT}/device", json=menu))

    assert errors.keys() == {
        "ivrMenu.onNoMatch",
        "ivrMenu.options[1].connectTo",
        "ivrMenu.options[2].connectTo",
    }
    assert errors["ivrMenu.options[1].connectTo"] == (
        "must be the id of a device of this account or HANGUP"
    )


def test_a_link_to_another_accounts_device_is_refused(demo):
    dean_device = demo.get(f"/api/v1/account/{DEAN}/device").json()[0]["id"]

    response = demo.post(f"{ACCOUNT}/device", json=device(announcement={"connectTo": dean_device}))

    assert "announcement.connectTo" in field_errors(response)


def test_fields_that_only_look_like_ports_are_not_links(demo):
    body = device(settings={"online": "yes", "once": 1, "on": "x", "connect": "y"})

    assert demo.post(f"{ACCOUNT}/device", json=body).status_code == 201


def test_a_device_may_link_to_itself_on_update(demo):
    loop = {
        "id": START,
        "type": "ROUTE_START",
        "name": "Start of Flow",
        "startRoute": {"ddis": [DDI], "connectTo": START},
    }

    assert demo.put(f"{ACCOUNT}/device/{START}", json=loop).status_code == 204


def test_a_device_keeps_its_own_extension_on_update(demo):
    gateway = demo.get(f"{ACCOUNT}/device/{GATEWAY}").json()

    assert demo.put(f"{ACCOUNT}/device/{GATEWAY}", json=gateway).status_code == 204


def test_an_extension_taken_by_another_device_is_named(demo):
    start = demo.get(f"{ACCOUNT}/device/{START}").json()

    response = demo.put(f"{ACCOUNT}/device/{START}", json={**start, "extension": "601"})

    assert field_errors(response) == {"extension": "601 is already used by device 'Primary GW'"}


def test_an_unknown_type_is_accepted_as_it_is(demo):
    body = {
        "type": "CONFERENCE_BRIDGE",
        "name": "Team bridge",
        "extension": "650",
        "conferenceBridge": {"pin": "4321", "maxParticipants": 10, "onEmpty": "HANGUP"},
    }

    response = demo.post(f"{ACCOUNT}/device", json=body)

    assert response.status_code == 201
    stored = demo.get(f"{ACCOUNT}/device").json()[-1]
    assert {k: v for k, v in stored.items() if k != "id"} == body


# ids in bodies


def test_put_with_another_id_in_the_body_is_400(demo):
    body = {**TRUNK_FIELDS, "id": "not-this-trunk"}

    assert field_errors(demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json=body)) == {
        "id": "must match the id in the path"
    }


def test_put_without_an_id_keeps_the_path_id(demo):
    assert demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json=TRUNK_FIELDS).status_code == 204
    assert demo.get(f"{ACCOUNT}/trunk/{TRUNK}").json()["id"] == TRUNK


def test_post_ignores_a_client_id(demo):
    demo.post(f"{ACCOUNT}/trunk", json={**TRUNK_FIELDS, "id": "chosen-by-client"})

    created = demo.get(f"{ACCOUNT}/trunk").json()[-1]
    assert created["id"] != "chosen-by-client"
    assert demo.get(f"{ACCOUNT}/trunk/chosen-by-client").status_code == 404


# malformed bodies

MALFORMED = [
    b"",
    b"{",
    b"[]",
    b'"a string"',
    b"null",
    b"42",
    b'{"port": NaN}',
    b'{"port": Infinity}',
    b"\xff\xfe{}",
    b'{"ip": "\\ud800"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b'{"port": 1' + b"0" * 5000 + b"}",
]


@pytest.mark.parametrize("body", MALFORMED, ids=lambda body: repr(body[:20]))
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_malformed_json_is_400_never_500(demo, body, method):
    path = f"{ACCOUNT}/trunk" + (f"/{TRUNK}" if method == "PUT" else "")

    response = demo.request(method, path, data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_says_it_is_not_json_is_400(demo, content_type):
    response = demo.put(
        f"{ACCOUNT}/address",
        data=b'{"line1": "x", "country": "UK"}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 400
    assert response.json() == {"message": "Content-Type must be application/json"}


# deletes


def test_a_trunk_used_by_a_gateway_cannot_be_deleted(demo):
    response = demo.delete(f"{ACCOUNT}/trunk/{TRUNK}")

    assert response.status_code == 409
    assert "Primary GW" in response.json()["message"]
    assert demo.get(f"{ACCOUNT}/trunk/{TRUNK}").status_code == 200


def test_a_linked_device_cannot_be_deleted_and_the_message_names_who_links(demo):
    response = demo.delete(f"{ACCOUNT}/device/{GATEWAY}")

    assert response.status_code == 409
    body = response.json()
    assert "Start of Flow" in body["message"]
    assert body["references"] == [
        {"id": START, "name": "Start of Flow", "field": "startRoute.connectTo"}
    ]


def test_an_unlinked_device_is_deleted_then_gone(demo):
    assert demo.delete(f"{ACCOUNT}/device/{START}").status_code == 204
    assert demo.get(f"{ACCOUNT}/device/{START}").status_code == 404
    assert demo.delete(f"{ACCOUNT}/device/{START}").status_code == 404


def test_once_nothing_links_to_it_a_device_can_go(demo):
    start = demo.get(f"{ACCOUNT}/device/{START}").json()
    start["startRoute"]["connectTo"] = "HANGUP"
    demo.put(f"{ACCOUNT}/device/{START}", json=start)

    assert demo.delete(f"{ACCOUNT}/device/{GATEWAY}").status_code == 204
    assert demo.delete(f"{ACCOUNT}/trunk/{TRUNK}").status_code == 204


def test_a_hook_a_flow_device_uses_cannot_be_deleted(demo):
    flow_hook = next(
        d for d in demo.get(f"/api/v1/account/{DEAN}/device").json() if d["type"] == "FLOW_HOOK"
    )
    hook_id = flow_hook["flowHook"]["hookId"]

    response = demo.delete(f"/api/v1/account/{DEAN}/hook/{hook_id}")

    assert response.status_code == 409
    assert "Driver ETA lookup" in response.json()["message"]


def test_an_unused_hook_is_deleted(demo):
    assert demo.delete(f"{ACCOUNT}/hook/{EVENT_HOOK}").status_code == 204
    assert [hook["id"] for hook in demo.get(f"{ACCOUNT}/hook").json()] == [
        "2ad34a16-dc17-42da-b67a-4d68d0046832"
    ]
