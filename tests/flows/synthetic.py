"""Synthetic but realistic accounts for benches and tests: `make_devices(n, seed)`.

Each branch is a start (one or two numbers) -> an IVR menu -> gateways, queues and time
switches -> a voicemail -> HANGUP, with menus that repeat on no match (self links), queues that
send callers back to their menu on timeout (loops with exits), options that cross to another
branch's gateway, a few devices no call reaches and a few numbers no start lists. Upstream order is
shuffled, as the real API does not sort its lists either.
"""

from __future__ import annotations

import random
import uuid

DEPARTMENTS = (
    "Sales",
    "Support",
    "Accounts",
    "Bookings",
    "Deliveries",
    "Reception",
    "Out of hours",
)


def make_devices(n: int, seed: int = 0) -> tuple[list[dict], list[dict], list[dict]]:
    """`n` devices, the account's DDIs and trunks, all as the upstream sends them."""
    rng = random.Random(seed)

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    trunks = [
        {
            "id": new_id(),
            "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "port": 5060,
            "vendor": "generic",
            "callerFormat": "national",
            "calledFormat": "national",
            "description": f"PBX site {number + 1}",
            "zone": "eu-west-1",
            "countryCode": "GB",
        }
        for number in range(max(2, n // 100))
    ]
    ddis: list[dict] = []
    devices: list[dict] = []
    gateways: list[str] = []
    extension = iter(range(600, 600 + 10 * n + 10))

    def add(device_type: str, name: str, settings_key: str, settings: dict) -> str:
        device_id = new_id()
        devices.append(
            {
                "id": device_id,
                "type": device_type,
                "name": name,
                "extension": str(next(extension)),
                settings_key: settings,
            }
        )
        return device_id

    def gateway(name: str, on_no_answer: str, on_busy: str) -> str:
        device_id = add(
            "SIP_GATEWAY",
            name,
            "sipGateway",
            {
                "ringTime": rng.choice((20, 30, 60, 180)),
                "maxCallTime": 14400,
                "record": rng.random() < 0.3,
                "trunks": [trunk["id"] for trunk in rng.sample(trunks, rng.randint(1, 2))],
                "present": "pass-through",
                "countryCode": "GB",
                "onComplete": "HANGUP",
                "onFail": "HANGUP",
                "onNoAnswer": on_no_answer,
                "onBusy": on_busy,
            },
        )
        gateways.append(device_id)
        return device_id

    def new_ddi() -> str:
        ddi = {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex[:24],
            "name": f"4412345{len(ddis):05d}",
        }
        ddis.append(ddi)
        return ddi["id"]

    branch = 0
    while len(devices) < n:
        room = n - len(devices)
        branch += 1
        department = f"{rng.choice(DEPARTMENTS)} {branch}"
        if room < 5 or rng.random() < 0.03:
            # a device no call reaches: left over from an old flow
            gateway(f"Old gateway {branch}", "HANGUP", "HANGUP")
            continue
        voicemail = add(
            "VOICEMAIL",
            f"{department} voicemail",
            "voicemail",
            {"mailbox": str(rng.randrange(100, 999)), "greeting": "default", "connectTo": "HANGUP"},
        )
        menu_options: list[dict] = []
        menu_settings = {
            "prompt": f"Welcome to {department}",
            "timeout": 10,
            "options": menu_options,
        }
        menu = add("IVR_MENU", f"{department} menu", "ivrMenu", menu_settings)
        targets = rng.randint(2, min(6, room - 3))
        for digit in range(1, targets + 1):
            roll = rng.random()
            if roll < 0.55:
                target = gateway(
                    f"{department} desk {digit}", voicemail, rng.choice(("HANGUP", voicemail))
                )
            elif roll < 0.8:
                target = add(
                    "QUEUE",
                    f"{department} queue {digit}",
                    "queue",
                    {
                        "strategy": "ring-all",
                        "maxWait": 300,
                        "onTimeout": menu,
                        "onFull": voicemail,
                    },
                )
            else:
                elsewhere = rng.choice(gateways) if gateways else voicemail
                target = add(
                    "TIME_SWITCH",
                    f"{department} hours {digit}",
                    "timeSwitch",
                    {
                        "timezone": "Europe/London",
                        "rules": [
                            {
                                "days": "MON-FRI",
                                "from": "09:00",
                                "to": "17:30",
                                "connectTo": elsewhere,
                            }
                        ],
                        "onClosed": voicemail,
                    },
                )
            menu_options.append({"digit": str(digit), "connectTo": target})
        if gateways and rng.random() < 0.3:
            menu_options.append({"digit": "8", "connectTo": rng.choice(gateways)})
        menu_options.append({"digit": "9", "connectTo": voicemail})
        menu_settings.update({"onTimeout": rng.choice(("HANGUP", voicemail)), "onNoMatch": menu})
        start_ddis = [new_ddi() for _ in range(rng.randint(1, 2))]
        add(
            "ROUTE_START",
            f"{department} line",
            "startRoute",
            {"ddis": start_ddis, "connectTo": menu},
        )
        if rng.random() < 0.05:
            new_ddi()
    del devices[n:]
    rng.shuffle(devices)
    return devices, ddis, trunks
