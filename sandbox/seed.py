"""Demo data: the provider page's examples exactly, plus enough accounts and flows to feel real.

Everything is deterministic: ids come from fixed strings (uuid5, md5), never from randomness.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from functools import cache

from sandbox.store import Row, dump
from sandbox.tokens import hash_password

NAMESPACE = uuid.UUID("0b5c4a8e-6f1d-4c1e-9a55-3c6f2f1d7e10")

ORGANISATION = {"id": "3h74872eb0731b38efa4d556", "name": "Demo Organisation"}
# A second organisation whose account the demo users must never see.
OTHER_ORGANISATION = {"id": "4f1e9b2c7a6d5e4f3a2b1c0d", "name": "Northwind Telecom Resellers"}

DARREN = "5554872eb0731b38efa4d444"
DEAN = "5564872eb0731b38efa4d555"
BRIGHTLINE_NAME = "Brightline Logistics"

USERS = (
    # username, display name, roles, organisation
    ("demo", "Demo Admin", ("OrganisationAdmin", "AdminRecorder", "VoiceChannel"), ORGANISATION),
    ("support", "Support Desk", ("AdminRecorder",), ORGANISATION),
    ("northwind", "Northwind Admin", ("OrganisationAdmin", "VoiceChannel"), OTHER_ORGANISATION),
)
DEMO_PASSWORD = "1234"


def object_id(*parts: object) -> str:
    """A 24-hex id in the style of the page's account and DDI ids, fixed by its parts."""
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()[:24]


def device_uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def domain_for(name: str) -> str:
    """'Müller & Söhne GmbH' -> 'mullersohnegmbh': accents folded, letters and digits only."""
    name = name.lower()
    for letter, plain in {
        "ø": "o",
        "æ": "ae",
        "ł": "l",
        "ß": "ss",
        "đ": "d",
        "þ": "th",
        "œ": "oe",
    }.items():
        name = name.replace(letter, plain)
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum())


# The provider page's examples, field for field.

DARREN_ACCOUNT = {
    "id": DARREN,
    "name": "Darren's Pizzas",
    "mbn": "441234567890",
    "domain": "darrenspizzas",
}
DARREN_ADDRESS = {
    "line1": "Unit 5 The Old Printworks",
    "line2": "20 Wharf Rd",
    "level1": "East Sussex",
    "level2": "Eastbourne",
    "postalCode": "BN213AW",
    "country": "United Kingdom",
}
DARREN_DDIS = [
    {"id": "7774872eb9991b38efa4d888", "name": "441234567890"},
    {"id": "8884872eb9991b38efa4d999", "name": "441234567891"},
]
DARREN_TRUNKS = [
    {
        "id": "66aa8915-834a-3004-8363-9c73690d8fe1",
        "ip": "1.1.1.1",
        "port": 5060,
        "vendor": "generic",
        "callerFormat": "national",
        "calledFormat": "national",
        "description": "Primary IP Address",
        "zone": "eu-west-1",
        "countryCode": "GB",
    }
]
DARREN_HOOKS = [
    {
        "id": "2ad34a16-dc17-42da-b67a-4d68d0046832",
        "app": "flow.generic",
        "url": "http://test.com/myplugin",
        "authType": "DISABLED",
        "method": "POST",
        "priority": 10,
    },
    {
        "id": "3ab34a16-dc17-42da-b67a-4d68d0046822",
        "app": "event.generic",
        "url": "http://test.com/myevent",
        "authType": "DISABLED",
        "method": "POST",
        "priority": 10,
    },
]
DARREN_DEVICES = [
    {
        "id": "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8",
        "type": "SIP_GATEWAY",
        "name": "Primary GW",
        "extension": "601",
        "sipGateway": {
            "ringTime": 180,
            "maxCallTime": 14400,
            "record": False,
            "trunks": ["66aa8915-834a-3004-8363-9c73690d8fe1"],
            "present": "pass-through",
            "countryCode": "GB",
            "onComplete": "HANGUP",
            "onFail": "HANGUP",
            "onNoAnswer": "HANGUP",
            "onBusy": "HANGUP",
        },
    },
    {
        "id": "4db61df1-f214-4037-9a89-1276bc83a83a",
        "type": "ROUTE_START",
        "name": "Start of Flow",
        "extension": "600",
        "startRoute": {
            "ddis": ["7774872eb9991b38efa4d888"],
            "connectTo": "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8",
        },
    },
]


def _gateway(trunks: list[str], *, on_fail: str, on_no_answer: str, on_busy: str) -> dict:
    return {
        "ringTime": 30,
        "maxCallTime": 14400,
        "record": False,
        "trunks": trunks,
        "present": "pass-through",
        "countryCode": "GB",
        "onComplete": "HANGUP",
        "onFail": on_fail,
        "onNoAnswer": on_no_answer,
        "onBusy": on_busy,
    }


def _dean() -> dict:
    """Dean's Taxis: a hand-made flow of nine devices, most of types the page does not document."""
    ddis = [
        {"id": "9994872eb9991b38efa4daaa", "name": "441323456700"},
        {"id": "aaa4872eb9991b38efa4dbbb", "name": "441323456701"},
    ]
    trunks = [
        {
            "id": "b1f0c3d2-5e6a-4b7c-8d9e-0f1a2b3c4d5e",
            "ip": "81.2.69.160",
            "port": 5060,
            "vendor": "3cx",
            "callerFormat": "e164",
            "calledFormat": "national",
            "description": "Dispatch office PBX",
            "zone": "eu-west-2",
            "countryCode": "GB",
        },
        {
            "id": "c2e1d4f3-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
            "ip": "2001:db8::10",
            "port": 5061,
            "vendor": "generic",
            "callerFormat": "international",
            "calledFormat": "international",
            "description": "Backup link (IPv6)",
            "zone": "eu-west-2",
            "countryCode": "GB",
        },
    ]
    hooks = [
        {
            "id": "d3f2e5a4-7b8c-4d9e-8f0a-2b3c4d5e6f70",
            "app": "flow.generic",
            "url": "https://dispatch.deanstaxis.example/callable/flow",
            "authType": "BEARER",
            "method": "POST",
            "priority": 10,
        },
        {
            "id": "e4a3f6b5-8c9d-4e0f-9a1b-3c4d5e6f7081",
            "app": "event.generic",
            "url": "https://crm.deanstaxis.example/hooks/calls",
            "authType": "HMAC",
            "method": "POST",
            "priority": 20,
        },
    ]
    ids = {
        name: device_uuid("dean", name)
        for name in (
            "start",
            "eta",
            "hours",
            "menu",
            "queue",
            "gateway",
            "voicemail",
            "closed",
            "accounts",
        )
    }
    trunk_ids = [trunk["id"] for trunk in trunks]
    devices = [
        {
            "id": ids["start"],
            "type": "ROUTE_START",
            "name": "Bookings line",
            "extension": "700",
            "startRoute": {"ddis": [ddis[0]["id"]], "connectTo": ids["eta"]},
        },
        {
            "id": ids["eta"],
            "type": "FLOW_HOOK",
            "name": "Driver ETA lookup",
            "extension": "701",
            "flowHook": {
                "hookId": hooks[0]["id"],
                "timeout": 3,
                "onSuccess": ids["hours"],
                "onFail": ids["hours"],
            },
        },
        {
            "id": ids["hours"],
            "type": "TIME_SWITCH",
            "name": "Office hours",
            "extension": "702",
            "timeSwitch": {
                "timezone": "Europe/London",
                "ranges": [
                    {"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "07:00", "to": "23:00"},
                    {"days": ["SAT", "SUN"], "from": "08:00", "to": "02:00"},
                ],
                "onOpen": ids["menu"],
                "onClosed": ids["closed"],
            },
        },
        {
            "id": ids["menu"],
            "type": "IVR_MENU",
            "name": "Main menu",
            "extension": "703",
            "ivrMenu": {
                "prompt": "Press 1 to book a taxi, 2 for lost property, or 0 for the dispatcher.",
                "timeout": 5,
                "onTimeout": ids["queue"],
                "onNoMatch": ids["menu"],
                "options": [
                    {"digit": "1", "connectTo": ids["queue"]},
                    {"digit": "2", "connectTo": ids["voicemail"]},
                    {"digit": "0", "connectTo": ids["gateway"]},
                ],
            },
        },
        {
            "id": ids["queue"],
            "type": "QUEUE",
            "name": "Bookings queue",
            "extension": "704",
            "queue": {
                "strategy": "ring-all",
                "maxWait": 300,
                "holdMusic": "https://media.deanstaxis.example/hold.mp3",
                "agents": ["201", "202", "203"],
                "onTimeout": ids["voicemail"],
                "onFull": ids["gateway"],
            },
        },
        {
            "id": ids["gateway"],
            "type": "SIP_GATEWAY",
            "name": "Dispatch office",
            "extension": "705",
            "sipGateway": _gateway(
                trunk_ids,
                on_fail=ids["voicemail"],
                on_no_answer=ids["voicemail"],
                on_busy=ids["queue"],
            ),
        },
        {
            "id": ids["voicemail"],
            "type": "VOICEMAIL",
            "name": "Lost property voicemail",
            "extension": "706",
            "voicemail": {
                "mailbox": "706",
                "email": "lostproperty@deanstaxis.example",
                "greeting": "Leave your name, number and what you lost, and we'll call you back.",
                "maxLength": 120,
                "onComplete": "HANGUP",
            },
        },
        {
            "id": ids["closed"],
            "type": "ANNOUNCEMENT",
            "name": "Closed message",
            "extension": "707",
            "announcement": {
                "text": "Dean's Taxis is closed. Leave a message after the tone.",
                "repeat": 1,
                "connectTo": ids["voicemail"],
            },
        },
        {
            "id": ids["accounts"],
            "type": "ROUTE_START",
            "name": "Account customers line",
            "extension": "708",
            "startRoute": {"ddis": [ddis[1]["id"]], "connectTo": ids["gateway"]},
        },
    ]
    return {
        "account": {
            "id": DEAN,
            "name": "Dean's Taxis",
            "mbn": "441323456700",
            "domain": "deanstaxis",
        },
        "address": {
            "line1": "Rank 3, Terminus Road",
            "line2": "Eastbourne Station",
            "level1": "East Sussex",
            "level2": "Eastbourne",
            "postalCode": "BN211NP",
            "country": "United Kingdom",
        },
        "ddis": ddis,
        "trunks": trunks,
        "hooks": hooks,
        "devices": devices,
    }


# Synthetic flows: sites of a header (start, hours, main menu, after-hours voicemail) and up to
# nine departments of five devices each (menu, queue, gateway, announcement, voicemail).

SITES = (
    "Head office",
    "Manchester hub",
    "Leeds depot",
    "Bristol depot",
    "Glasgow hub",
    "Felixstowe port office",
    "Birmingham depot",
    "Cardiff depot",
    "Belfast depot",
    "Southampton port office",
)
DEPARTMENTS = (
    "Sales",
    "Customer service",
    "Accounts",
    "Dispatch",
    "Warehouse",
    "Returns",
    "Fleet",
    "People",
    "Customs",
)
VENDORS = ("generic", "cisco", "avaya", "mitel", "3cx")
SITE_SIZE = 4 + 5 * len(DEPARTMENTS)


def _extension(index: int, size: int) -> str:
    base = 100 if size <= 800 else 1000 if size <= 8000 else 10000
    return str(base + index)


def synthetic_flow(account_id: str, name: str, size: int, mbn: str) -> dict:
    """A valid, realistic flow of exactly `size` devices, with the DDIs and trunks it uses."""
    sites = max(1, -(-size // SITE_SIZE))
    device_ids = [device_uuid(account_id, "device", index) for index in range(size)]
    ddis = [
        {"id": object_id(account_id, "ddi", index), "name": str(int(mbn) + index)}
        for index in range(sites)
    ]
    trunks = [
        {
            "id": device_uuid(account_id, "trunk", index),
            "ip": f"203.0.113.{(int(object_id(account_id, index), 16) % 250) + 1}",
            "port": 5060,
            "vendor": VENDORS[index % len(VENDORS)],
            "callerFormat": "national",
            "calledFormat": "e164" if index % 2 else "national",
            "description": f"{SITES[index % len(SITES)]} PBX",
            "zone": "eu-west-1" if index % 2 == 0 else "eu-west-2",
            "countryCode": "GB",
        }
        for index in range(min(10, size // 100 + 1))
    ]

    def link(index: int) -> str:
        return device_ids[index] if index < size else "HANGUP"

    devices: list[dict] = []

    def add(index: int, device_type: str, device_name: str, settings_name: str, settings: dict):
        if index < size:
            devices.append(
                {
                    "id": device_ids[index],
                    "type": device_type,
                    "name": device_name,
                    "extension": _extension(index, size),
                    settings_name: settings,
                }
            )

    for site in range(sites):
        base = site * SITE_SIZE
        site_name = SITES[site % len(SITES)] + (
            f" {site // len(SITES) + 1}" if site >= len(SITES) else ""
        )
        start, hours, menu, after_hours = base, base + 1, base + 2, base + 3
        departments = [base + 4 + 5 * number for number in range(len(DEPARTMENTS))]
        add(
            start,
            "ROUTE_START",
            f"{site_name} line",
            "startRoute",
            {"ddis": [ddis[site]["id"]], "connectTo": link(hours)},
        )
        add(
            hours,
            "TIME_SWITCH",
            f"{site_name} opening hours",
            "timeSwitch",
            {
                "timezone": "Europe/London",
                "ranges": [
                    {"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "08:30", "to": "17:30"}
                ],
                "onOpen": link(menu),
                "onClosed": link(after_hours),
            },
        )
        add(
            menu,
            "IVR_MENU",
            f"{site_name} main menu",
            "ivrMenu",
            {
                "prompt": f"Welcome to {name}, {site_name}. Choose from the following options.",
                "timeout": 5,
                "onTimeout": link(departments[0]),
                "onNoMatch": link(menu),
                "options": [
                    {"digit": str(number + 1), "connectTo": link(department)}
                    for number, department in enumerate(departments)
                    if department < size
                ],
            },
        )
        add(
            after_hours,
            "VOICEMAIL",
            f"{site_name} after hours",
            "voicemail",
            {
                "mailbox": _extension(after_hours, size),
                "email": f"{domain_for(site_name)}@{domain_for(name)}.example",
                "greeting": f"{site_name} is closed. Leave a message.",
                "maxLength": 180,
                "onComplete": "HANGUP",
            },
        )
        for number, department in enumerate(departments):
            dept_menu, queue, gateway, announcement, voicemail = range(department, department + 5)
            label = f"{site_name} {DEPARTMENTS[number].lower()}"
            add(
                dept_menu,
                "IVR_MENU",
                f"{label} menu",
                "ivrMenu",
                {
                    "prompt": "Press 1 to wait for the team, 2 for the office, 3 for opening times.",
                    "timeout": 8,
                    "onTimeout": link(queue),
                    "onNoMatch": link(dept_menu),
                    "options": [
                        {"digit": "1", "connectTo": link(queue)},
                        {"digit": "2", "connectTo": link(gateway)},
                        {"digit": "3", "connectTo": link(announcement)},
                        {"digit": "*", "connectTo": link(menu)},
                    ],
                },
            )
            add(
                queue,
                "QUEUE",
                f"{label} queue",
                "queue",
                {
                    "strategy": "longest-idle" if number % 2 else "ring-all",
                    "maxWait": 240,
                    "agents": [str(2000 + site * 100 + number * 10 + agent) for agent in range(3)],
                    "onTimeout": link(voicemail),
                    "onFull": link(gateway),
                },
            )
            add(
                gateway,
                "SIP_GATEWAY",
                f"{label} desk phones",
                "sipGateway",
                _gateway(
                    [trunks[(site + number) % len(trunks)]["id"]],
                    on_fail=link(voicemail),
                    on_no_answer=link(voicemail),
                    on_busy=link(queue),
                ),
            )
            add(
                announcement,
                "ANNOUNCEMENT",
                f"{label} opening times",
                "announcement",
                {
                    "text": f"{DEPARTMENTS[number]} is open Monday to Friday, 8:30 to 5:30.",
                    "repeat": 1,
                    "connectTo": link(dept_menu),
                },
            )
            add(
                voicemail,
                "VOICEMAIL",
                f"{label} voicemail",
                "voicemail",
                {
                    "mailbox": _extension(voicemail, size),
                    "email": f"{domain_for(DEPARTMENTS[number])}@{domain_for(name)}.example",
                    "greeting": f"You've reached {label}. Leave a message.",
                    "maxLength": 120,
                    "onComplete": "HANGUP",
                },
            )
    hooks = [
        {
            "id": device_uuid(account_id, "hook", 0),
            "app": "event.generic",
            "url": f"https://events.{domain_for(name)}.example/callable",
            "authType": "HMAC",
            "method": "POST",
            "priority": 10,
        }
    ]
    return {"ddis": ddis, "trunks": trunks, "hooks": hooks, "devices": devices}


def _brightline() -> dict:
    """About 300 devices over seven sites, with two realistic defects: an orphan and an idle DDI."""
    account_id = object_id("account", BRIGHTLINE_NAME)
    flow = synthetic_flow(account_id, BRIGHTLINE_NAME, 299, "441612345000")
    flow["devices"].append(
        {
            "id": device_uuid(account_id, "old-night-service"),
            "type": "VOICEMAIL",
            "name": "Old night service (unused)",
            "extension": "999",
            "voicemail": {"mailbox": "999", "greeting": "We are closed.", "onComplete": "HANGUP"},
        }
    )
    flow["ddis"].append({"id": object_id(account_id, "ddi", "spare"), "name": "441612345099"})
    return {
        "account": {
            "id": account_id,
            "name": BRIGHTLINE_NAME,
            "mbn": "441612345000",
            "domain": "brightline",
        },
        "address": {
            "line1": "Brightline House",
            "line2": "Trafford Park Road",
            "level1": "Greater Manchester",
            "level2": "Manchester",
            "postalCode": "M171HH",
            "country": "United Kingdom",
        },
        **flow,
    }


# Small accounts: (name, country, calling code, town, region, postal code)
SMALL_ACCOUNTS = (
    ("Café Zoë", "France", "33", "Lyon", "Auvergne-Rhône-Alpes", "69002"),
    ("Müller & Söhne GmbH", "Germany", "49", "München", "Bayern", "80331"),
    ("Ångström Labs", "Sweden", "46", "Uppsala", "Uppsala län", "75236"),
    ("Crème Brûlée Bakery", "United Kingdom", "44", "Brighton", "East Sussex", "BN11AA"),
    ("Señor Taco", "Spain", "34", "Sevilla", "Andalucía", "41001"),
    ("Øresund Ferries", "Denmark", "45", "Helsingør", "Hovedstaden", "3000"),
    ("Łódź Logistyka", "Poland", "48", "Łódź", "Łódzkie", "90001"),
    ("Dvořák Music School", "Czechia", "420", "Praha", "Hlavní město Praha", "11000"),
    ("São Paulo Imports", "Brazil", "55", "São Paulo", "SP", "01001000"),
    ("Björk & Sons Joinery", "Iceland", "354", "Reykjavík", "Höfuðborgarsvæðið", "101"),
    ("Garçon Bistro", "France", "33", "Paris", "Île-de-France", "75004"),
    ("Île-de-France Fleurs", "France", "33", "Versailles", "Île-de-France", "78000"),
    ("Zürich Uhren AG", "Switzerland", "41", "Zürich", "Zürich", "8001"),
    ("Forêt Noire Chocolatier", "Belgium", "32", "Liège", "Wallonie", "4000"),
    ("Ærø Sailing Club", "Denmark", "45", "Ærøskøbing", "Syddanmark", "5970"),
    ("Köln Kebab Haus", "Germany", "49", "Köln", "Nordrhein-Westfalen", "50667"),
    ("Peña Flamenca Córdoba", "Spain", "34", "Córdoba", "Andalucía", "14001"),
    ("Çiçek Florist", "Turkey", "90", "İzmir", "İzmir", "35210"),
    ("Fjällstuga Cabins", "Sweden", "46", "Åre", "Jämtland", "83013"),
    ("Håkon's Fish Market", "Norway", "47", "Bergen", "Vestland", "5003"),
    ("Amélie's Hair Studio", "United Kingdom", "44", "Bath", "Somerset", "BA11AA"),
    ("Noël Christmas Shop", "United Kingdom", "44", "York", "North Yorkshire", "YO17HH"),
    ("Jürgen's Auto Repair", "Germany", "49", "Düsseldorf", "Nordrhein-Westfalen", "40213"),
    ("Ève Skincare", "France", "33", "Nice", "Provence-Alpes-Côte d'Azur", "06000"),
    ("Pâtisserie Lumière", "France", "33", "Bordeaux", "Nouvelle-Aquitaine", "33000"),
    ("Ölstube Brewery", "Austria", "43", "Graz", "Steiermark", "8010"),
    ("Smørrebrød Kitchen", "Denmark", "45", "København", "Hovedstaden", "1050"),
    ("Renée's Dance Academy", "Ireland", "353", "Cork", "County Cork", "T12X8Y2"),
    ("Mañana Tapas Bar", "Spain", "34", "Málaga", "Andalucía", "29001"),
    ("José's Plumbing", "Portugal", "351", "Porto", "Porto", "4000-001"),
    ("Acme Widgets Ltd", "United Kingdom", "44", "Reading", "Berkshire", "RG11AA"),
    ("Bluebell Dental Practice", "United Kingdom", "44", "Guildford", "Surrey", "GU11AA"),
    ("Castle Veterinary Surgery", "United Kingdom", "44", "Lewes", "East Sussex", "BN71AA"),
    ("Harbourside Hotel", "United Kingdom", "44", "Falmouth", "Cornwall", "TR111AA"),
    ("Kingfisher Accountants", "United Kingdom", "44", "Norwich", "Norfolk", "NR11AA"),
    ("Oakwood Primary School", "United Kingdom", "44", "Derby", "Derbyshire", "DE11AA"),
    ("Riverside Physiotherapy", "United Kingdom", "44", "Shrewsbury", "Shropshire", "SY11AA"),
    ("Seaview Caravan Park", "United Kingdom", "44", "Skegness", "Lincolnshire", "PE251AA"),
    ("Thornbury Builders", "United Kingdom", "44", "Thornbury", "Gloucestershire", "BS351AA"),
    ("Willow Tree Nursery", "United Kingdom", "44", "Cambridge", "Cambridgeshire", "CB11AA"),
    ("Northgate Pharmacy", "United Kingdom", "44", "Chester", "Cheshire", "CH11AA"),
    ("Granite City Couriers", "United Kingdom", "44", "Aberdeen", "Aberdeenshire", "AB101AA"),
    ("Highland Glass & Glazing", "United Kingdom", "44", "Inverness", "Highland", "IV11AA"),
    ("Meadowbank Garden Centre", "United Kingdom", "44", "Edinburgh", "Midlothian", "EH11AA"),
    ("Penny Lane Opticians", "United Kingdom", "44", "Liverpool", "Merseyside", "L11AA"),
    ("Redbrick Estate Agents", "United Kingdom", "44", "Leicester", "Leicestershire", "LE11AA"),
    ("Silverline Cleaning Services", "United Kingdom", "44", "Coventry", "West Midlands", "CV11AA"),
    ("Summit IT Support", "United Kingdom", "44", "Sheffield", "South Yorkshire", "S11AA"),
    ("The Crown & Anchor", "United Kingdom", "44", "Whitby", "North Yorkshire", "YO211AA"),
    ("Valley View Care Home", "United Kingdom", "44", "Hereford", "Herefordshire", "HR11AA"),
    ("Whitecliff Solicitors", "United Kingdom", "44", "Dover", "Kent", "CT161AA"),
    ("Yellowstone Travel", "United Kingdom", "44", "Swindon", "Wiltshire", "SN11AA"),
    ("Zenith Fitness", "United Kingdom", "44", "Milton Keynes", "Buckinghamshire", "MK91AA"),
    ("Abbey Lane Recording Studio", "United Kingdom", "44", "Leeds", "West Yorkshire", "LS11AA"),
    ("Beacon Hill Golf Club", "United Kingdom", "44", "Loughborough", "Leicestershire", "LE111AA"),
    ("Copperfield Books", "United Kingdom", "44", "Canterbury", "Kent", "CT11AA"),
    ("Driftwood Surf School", "United Kingdom", "44", "Newquay", "Cornwall", "TR71AA"),
    ("Elmfield Dental", "United Kingdom", "44", "Harrogate", "North Yorkshire", "HG11AA"),
    ("Foxglove Florists", "United Kingdom", "44", "Ludlow", "Shropshire", "SY81AA"),
    ("Greenway Landscaping", "United Kingdom", "44", "Taunton", "Somerset", "TA11AA"),
    ("Hollybush Farm Shop", "United Kingdom", "44", "Ashford", "Kent", "TN231AA"),
    ("Ironbridge Engineering", "United Kingdom", "44", "Telford", "Shropshire", "TF87AA"),
    ("Juniper Yoga Studio", "United Kingdom", "44", "Oxford", "Oxfordshire", "OX11AA"),
    ("Kestrel Security", "United Kingdom", "44", "Plymouth", "Devon", "PL11AA"),
    ("Lighthouse Pizza Co", "United Kingdom", "44", "Hastings", "East Sussex", "TN341AA"),
    ("Millstone Bakery", "United Kingdom", "44", "Stroud", "Gloucestershire", "GL51AA"),
    ("Nightingale Nursing Agency", "United Kingdom", "44", "Bournemouth", "Dorset", "BH11AA"),
    ("O'Brien & Daughters Plumbing", "Ireland", "353", "Galway", "County Galway", "H91A2B3"),
    ("Pebble Beach Cafe", "United Kingdom", "44", "Eastbourne", "East Sussex", "BN214AA"),
    ("Quayside Taxis", "United Kingdom", "44", "Newcastle upon Tyne", "Tyne and Wear", "NE13AA"),
)
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Market Place",
    "Mill Road",
    "Harbour Walk",
)
COUNTRY_CODES = {
    "United Kingdom": "GB",
    "France": "FR",
    "Germany": "DE",
    "Sweden": "SE",
    "Spain": "ES",
    "Denmark": "DK",
    "Poland": "PL",
    "Czechia": "CZ",
    "Brazil": "BR",
    "Iceland": "IS",
    "Switzerland": "CH",
    "Belgium": "BE",
    "Turkey": "TR",
    "Norway": "NO",
    "Austria": "AT",
    "Ireland": "IE",
    "Portugal": "PT",
}


def _small(
    index: int, name: str, country: str, calling_code: str, town: str, region: str, postal_code: str
) -> dict:
    """A small account: one or two DDIs, sometimes a trunk or hook, a start and one more device."""
    account_id = object_id("account", name)
    digits = 12 - len(calling_code)
    mbn = calling_code + str(2 * 10 ** (digits - 1) + index * 10007)
    ddis = [
        {"id": object_id(account_id, "ddi", number), "name": str(int(mbn) + number)}
        for number in range(1 + index % 2)
    ]
    trunks = []
    if index % 3 == 0:
        trunks.append(
            {
                "id": device_uuid(account_id, "trunk", 0),
                "ip": f"198.51.100.{index + 10}",
                "port": 5060 if index % 2 else 5080,
                "vendor": VENDORS[index % len(VENDORS)],
                "callerFormat": "international" if calling_code != "44" else "national",
                "calledFormat": "e164",
                "description": "Office PBX",
                "zone": "eu-west-1",
                "countryCode": COUNTRY_CODES[country],
            }
        )
    hooks = []
    if index % 4 == 1:
        hooks.append(
            {
                "id": device_uuid(account_id, "hook", 0),
                "app": "event.generic",
                "url": f"https://hooks.{domain_for(name)}.example/calls",
                "authType": "BASIC" if index % 8 == 1 else "DISABLED",
                "method": "POST",
                "priority": 10,
            }
        )
    start_id, next_id = device_uuid(account_id, "start"), device_uuid(account_id, "next")
    if trunks:
        second = {
            "id": next_id,
            "type": "SIP_GATEWAY",
            "name": "Office phones",
            "extension": "201",
            "sipGateway": {
                **_gateway(
                    [trunks[0]["id"]], on_fail="HANGUP", on_no_answer="HANGUP", on_busy="HANGUP"
                ),
                "countryCode": COUNTRY_CODES[country],
            },
        }
    else:
        second = {
            "id": next_id,
            "type": "VOICEMAIL",
            "name": "Voicemail",
            "extension": "201",
            "voicemail": {
                "mailbox": "201",
                "email": f"office@{domain_for(name)}.example",
                "onComplete": "HANGUP",
            },
        }
    devices = [
        {
            "id": start_id,
            "type": "ROUTE_START",
            "name": "Main number",
            "extension": "200",
            "startRoute": {"ddis": [ddi["id"] for ddi in ddis], "connectTo": next_id},
        },
        second,
    ]
    return {
        "account": {"id": account_id, "name": name, "mbn": mbn, "domain": domain_for(name)},
        "address": {
            "line1": f"{index + 3} {STREETS[index % len(STREETS)]}",
            "line2": "",
            "level1": region,
            "level2": town,
            "postalCode": postal_code,
            "country": country,
        },
        "ddis": ddis,
        "trunks": trunks,
        "hooks": hooks,
        "devices": devices,
    }


def account_rows(organisation_id: str, account: dict, ord_: int) -> list[Row]:
    """Rows for one account and everything under it, in the order the API lists them."""
    account_id = account["account"]["id"]
    rows: list[Row] = [("account", organisation_id, account_id, ord_, account["account"])]
    rows.append(("address", account_id, account_id, 1, account["address"]))
    for kind, key in (
        ("ddi", "ddis"),
        ("trunk", "trunks"),
        ("hook", "hooks"),
        ("device", "devices"),
    ):
        rows.extend(
            (kind, account_id, item["id"], number, item)
            for number, item in enumerate(account.get(key, ()), 1)
        )
    return rows


def synthetic_account(name: str, size: int) -> dict:
    """The account POST /_sandbox/accounts makes: same name and size, same ids."""
    account_id = object_id("synthetic-account", name, size)
    mbn = "4420" + str(int(account_id[:8], 16) % 10**7).rjust(7, "0") + "0"
    return {
        "account": {
            "id": account_id,
            "name": name,
            "mbn": mbn,
            "domain": domain_for(name)[:40] or "account",
        },
        "address": {
            "line1": "1 Benchmark Way",
            "line2": "",
            "level1": "Greater London",
            "level2": "London",
            "postalCode": "EC1A1BB",
            "country": "United Kingdom",
        },
        **synthetic_flow(account_id, name, size, mbn),
    }


def _users() -> list[Row]:
    rows: list[Row] = []
    for number, (username, display_name, roles, organisation) in enumerate(USERS, 1):
        user_id = device_uuid("user", username)
        user = {
            "id": user_id,
            "username": username,
            "name": display_name,
            "roles": list(roles),
            "password": hash_password(DEMO_PASSWORD, salt=user_id[:16]),
        }
        rows.append(("user", organisation["id"], user_id, number, user))
    return rows


@cache
def rows() -> tuple[tuple[str, str, str, int, str], ...]:
    """Every seeded row, serialised once per process so a reset is one fast bulk insert."""
    built: list[Row] = [
        ("organisation", "", ORGANISATION["id"], 1, ORGANISATION),
        ("organisation", "", OTHER_ORGANISATION["id"], 2, OTHER_ORGANISATION),
        *_users(),
    ]
    accounts = [
        {
            "account": DARREN_ACCOUNT,
            "address": DARREN_ADDRESS,
            "ddis": DARREN_DDIS,
            "trunks": DARREN_TRUNKS,
            "hooks": DARREN_HOOKS,
            "devices": DARREN_DEVICES,
        },
        _dean(),
        _brightline(),
        *(_small(index, *fields) for index, fields in enumerate(SMALL_ACCOUNTS)),
    ]
    for ord_, account in enumerate(accounts, 1):
        built.extend(account_rows(ORGANISATION["id"], account, ord_))
    other = _small(
        0,
        "Northwind Internal Helpdesk",
        "United Kingdom",
        "44",
        "Leeds",
        "West Yorkshire",
        "LS12AA",
    )
    built.extend(account_rows(OTHER_ORGANISATION["id"], other, 1))
    return tuple((kind, parent, oid, ord_, dump(doc)) for kind, parent, oid, ord_, doc in built)
