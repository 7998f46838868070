"""The demo data: enough accounts to paginate, accented names, Dean's richer flow, the big
Brightline flow with its two defects, all of it valid by the sandbox's own rules."""

from __future__ import annotations

import json
import re

import jwt

from sandbox import seed, validation

DARREN = "5554872eb0731b38efa4d444"
DEAN = "5564872eb0731b38efa4d555"
PORT = re.compile(r"on[A-Z]")


def links(value) -> list[str]:
    found, stack = [], [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, child in current.items():
                if key == "connectTo" or PORT.match(key):
                    found.append(child)
                else:
                    stack.append(child)
        elif isinstance(current, list):
            stack.extend(current)
    return found


def account_named(demo, name: str) -> dict:
    return next(
        account for account in demo.get("/api/v1/account").json() if account["name"] == name
    )


def unreachable(devices: list[dict], ddi_ids: set[str]) -> list[str]:
    """Names of devices no call can reach: not linked from any start that has a DDI."""
    by_id = {device["id"]: device for device in devices}
    entry = [
        device["id"]
        for device in devices
        if device["type"] == "ROUTE_START" and set(device["startRoute"]["ddis"]) & ddi_ids
    ]
    seen, stack = set(entry), list(entry)
    while stack:
        for target in links(by_id[stack.pop()]):
            if target in by_id and target not in seen:
                seen.add(target)
                stack.append(target)
    return [device["name"] for device in devices if device["id"] not in seen]


def routed_ddis(devices: list[dict]) -> set[str]:
    return {ddi for d in devices if d["type"] == "ROUTE_START" for ddi in d["startRoute"]["ddis"]}


def test_enough_accounts_to_need_a_second_page_of_50(demo):
    accounts = demo.get("/api/v1/account").json()

    assert 70 < len(accounts) <= 100
    assert len({account["id"] for account in accounts}) == len(accounts)


def test_accented_names_are_there_with_folded_domains(demo):
    names = {account["name"]: account["id"] for account in demo.get("/api/v1/account").json()}

    for name, domain in [
        ("Café Zoë", "cafezoe"),
        ("Müller & Söhne GmbH", "mullersohnegmbh"),
        ("Ångström Labs", "angstromlabs"),
        ("Øresund Ferries", "oresundferries"),
        ("Łódź Logistyka", "lodzlogistyka"),
    ]:
        account = demo.get(f"/api/v1/account/{names[name]}").json()
        assert account["domain"] == domain
        assert re.fullmatch(r"[0-9]{10,15}", account["mbn"])


def test_every_account_has_details_an_address_and_a_number(demo):
    for summary in demo.get("/api/v1/account").json()[3:12]:
        path = f"/api/v1/account/{summary['id']}"
        assert demo.get(path).json().keys() == {"id", "name", "mbn", "domain"}
        assert demo.get(f"{path}/address").json()["country"]
        assert demo.get(f"{path}/ddi").json()


def test_dean_has_a_flow_of_types_the_page_does_not_document(demo):
    devices = demo.get(f"/api/v1/account/{DEAN}/device").json()

    types = {device["type"] for device in devices}
    assert len(devices) == 9
    assert {"IVR_MENU", "QUEUE", "VOICEMAIL", "TIME_SWITCH", "ANNOUNCEMENT"} <= types
    menu = next(device for device in devices if device["type"] == "IVR_MENU")
    device_ids = {device["id"] for device in devices}
    assert [option["digit"] for option in menu["ivrMenu"]["options"]] == ["1", "2", "0"]
    assert all(option["connectTo"] in device_ids for option in menu["ivrMenu"]["options"])
    ddi_ids = {ddi["id"] for ddi in demo.get(f"/api/v1/account/{DEAN}/ddi").json()}
    assert unreachable(devices, ddi_ids) == []


def test_dean_has_its_own_address_trunks_and_hooks(demo):
    account = f"/api/v1/account/{DEAN}"

    assert demo.get(f"{account}/address").json()["level2"] == "Eastbourne"
    assert [trunk["ip"] for trunk in demo.get(f"{account}/trunk").json()] == [
        "81.2.69.160",
        "2001:db8::10",
    ]
    assert {hook["app"] for hook in demo.get(f"{account}/hook").json()} == {
        "flow.generic",
        "event.generic",
    }


def test_darrens_second_number_is_routed_nowhere(demo):
    devices = demo.get(f"/api/v1/account/{DARREN}/device").json()

    assert routed_ddis(devices) == {"7774872eb9991b38efa4d888"}


def test_brightline_has_about_300_devices_with_one_orphan_and_one_idle_number(demo):
    account = f"/api/v1/account/{account_named(demo, 'Brightline Logistics')['id']}"

    devices = demo.get(f"{account}/device").json()
    ddi_ids = {ddi["id"] for ddi in demo.get(f"{account}/ddi").json()}

    assert len(devices) == 300
    assert sum(device["type"] == "ROUTE_START" for device in devices) >= 5
    assert {"IVR_MENU", "SIP_GATEWAY", "QUEUE"} <= {device["type"] for device in devices}
    assert unreachable(devices, ddi_ids) == ["Old night service (unused)"]
    assert len(ddi_ids - routed_ddis(devices)) == 1


def test_every_seeded_device_passes_the_sandboxs_own_rules():
    by_kind: dict[tuple[str, str], list[dict]] = {}
    for kind, parent, _, _, raw in seed.rows():
        by_kind.setdefault((kind, parent), []).append(json.loads(raw))
    for (kind, account_id), devices in by_kind.items():
        if kind != "device":
            continue
        flow = validation.Flow(
            ddi_ids={ddi["id"] for ddi in by_kind.get(("ddi", account_id), [])},
            trunk_ids={trunk["id"] for trunk in by_kind.get(("trunk", account_id), [])},
            device_ids={device["id"] for device in devices},
        )
        for device in devices:
            assert validation.validate_device(device, flow, device["id"]) == [], device


def test_every_seeded_trunk_hook_and_address_passes_the_rules():
    for kind, _, _, _, raw in seed.rows():
        doc = json.loads(raw)
        if kind == "trunk":
            assert validation.validate_trunk(doc) == [], doc
        elif kind == "hook":
            assert validation.validate_hook(doc) == [], doc
        elif kind == "address":
            assert validation.validate_address(doc) == [], doc


def test_the_seed_is_the_same_every_time():
    assert seed.rows.__wrapped__() == seed.rows.__wrapped__()


def test_demo_and_support_sign_in_with_the_documented_roles(sign_in, sandbox):
    roles = {
        username: jwt.decode(
            sign_in(sandbox.url, username)["access_token"], options={"verify_signature": False}
        )["realm_access"]["roles"]
        for username in ("demo", "support")
    }

    assert roles == {
        "demo": ["OrganisationAdmin", "AdminRecorder", "VoiceChannel"],
        "support": ["AdminRecorder"],
    }
