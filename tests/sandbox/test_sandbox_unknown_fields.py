"""Whatever a client sends beyond the known fields comes back on the next GET, at any depth."""

from __future__ import annotations

DARREN = "5554872eb0731b38efa4d444"
ACCOUNT = f"/api/v1/account/{DARREN}"
TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
HOOK = "3ab34a16-dc17-42da-b67a-4d68d0046822"
GATEWAY = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
START = "4db61df1-f214-4037-9a89-1276bc83a83a"

EXTRAS = {
    "x-note": "kept",
    "transport": {"protocol": "tls", "srtp": True, "ciphers": ["AES_CM_128", None]},
    "weight": 0.5,
    "tags": [],
    "retired": None,
}


def test_trunk_extras_round_trip_on_update(demo):
    trunk = demo.get(f"{ACCOUNT}/trunk/{TRUNK}").json() | EXTRAS

    demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json=trunk)

    assert demo.get(f"{ACCOUNT}/trunk/{TRUNK}").json() == trunk


def test_trunk_extras_round_trip_on_create(demo):
    demo.post(f"{ACCOUNT}/trunk", json={"ip": "198.51.100.11", "port": 5060, **EXTRAS})

    created = demo.get(f"{ACCOUNT}/trunk").json()[-1]
    assert {k: created[k] for k in EXTRAS} == EXTRAS


def test_hook_extras_round_trip(demo):
    hook = demo.get(f"{ACCOUNT}/hook/{HOOK}").json() | {
        "authType": "HMAC",
        "secretRef": "vault://hooks/event",
        "headers": {"X-Tenant": "darren"},
    }

    demo.put(f"{ACCOUNT}/hook/{HOOK}", json=hook)

    assert demo.get(f"{ACCOUNT}/hook/{HOOK}").json() == hook
    assert demo.get(f"{ACCOUNT}/hook").json()[1] == hook


def test_device_extras_round_trip_at_top_level_and_inside_settings(demo):
    gateway = demo.get(f"{ACCOUNT}/device/{GATEWAY}").json()
    gateway["position"] = {"x": 120, "y": 40}
    gateway["sipGateway"]["codecs"] = ["PCMA", "G722"]
    gateway["sipGateway"]["failover"] = {"mode": "sequential", "attempts": [{"trunk": TRUNK}]}

    assert demo.put(f"{ACCOUNT}/device/{GATEWAY}", json=gateway).status_code == 204

    assert demo.get(f"{ACCOUNT}/device/{GATEWAY}").json() == gateway


def test_a_known_field_can_be_removed_by_leaving_it_out(demo):
    start = demo.get(f"{ACCOUNT}/device/{START}").json()
    del start["extension"]

    demo.put(f"{ACCOUNT}/device/{START}", json=start)

    assert "extension" not in demo.get(f"{ACCOUNT}/device/{START}").json()


def test_address_extras_round_trip(demo):
    address = demo.get(f"{ACCOUNT}/address").json() | {
        "line3": "Rear entrance",
        "geo": {"lat": 50.77, "lon": 0.28},
    }

    demo.put(f"{ACCOUNT}/address", json=address)

    assert demo.get(f"{ACCOUNT}/address").json() == address


def test_field_order_is_kept(demo):
    trunk = {"zone": "eu-west-1", "port": 5060, "ip": "1.1.1.1", "aaa": 1}

    demo.put(f"{ACCOUNT}/trunk/{TRUNK}", json=trunk)

    assert list(demo.get(f"{ACCOUNT}/trunk/{TRUNK}").json()) == ["id", "zone", "port", "ip", "aaa"]
