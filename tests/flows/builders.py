"""Accounts to test the flow model with: the provider page's example, a Dean's-Taxis-style flow
with a menu, device builders, and hypothesis strategies for garbage device lists."""

from hypothesis import strategies as st

DARREN_DDI = "7774872eb9991b38efa4d888"
DARREN_DDI_SPARE = "8884872eb9991b38efa4d999"
DARREN_TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
DARREN_GATEWAY = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
DARREN_START = "4db61df1-f214-4037-9a89-1276bc83a83a"


def darren_devices() -> list[dict]:
    """The two devices of the provider's "List Devices" example, in its order."""
    return [
        {
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
        },
        {
            "id": DARREN_START,
            "type": "ROUTE_START",
            "name": "Start of Flow",
            "extension": "600",
            "startRoute": {"ddis": [DARREN_DDI], "connectTo": DARREN_GATEWAY},
        },
    ]


def darren_ddis() -> list[dict]:
    return [
        {"id": DARREN_DDI, "name": "441234567890"},
        {"id": DARREN_DDI_SPARE, "name": "441234567891"},
    ]


def darren_trunks() -> list[dict]:
    return [
        {
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
    ]


DEAN_DDI = "9994872eb9991b38efa4d111"
DEAN_TRUNK = "77bb8915-834a-3004-8363-9c73690d8fe2"


def start(device_id, ddis=(), connect_to=None, name=None, extension=None) -> dict:
    settings = {"ddis": list(ddis)}
    if connect_to is not None:
        settings["connectTo"] = connect_to
    return {
        "id": device_id,
        "type": "ROUTE_START",
        "name": name or f"Start {device_id}",
        "extension": extension or "",
        "startRoute": settings,
    }


def gateway(device_id, trunks=(DEAN_TRUNK,), name=None, extension=None, **ports) -> dict:
    settings = {"ringTime": 30, "maxCallTime": 14400, "record": False, "trunks": list(trunks)}
    settings.update(
        {
            port: ports.get(port, "HANGUP")
            for port in ("onComplete", "onFail", "onNoAnswer", "onBusy")
        }
    )
    return {
        "id": device_id,
        "type": "SIP_GATEWAY",
        "name": name or f"Gateway {device_id}",
        "extension": extension or "",
        "sipGateway": settings,
    }


def menu(device_id, options=(), name=None, **ports) -> dict:
    settings = {
        "prompt": "Press 1 for a taxi now, 2 to book",
        "timeout": 10,
        "options": [{"digit": str(digit), "connectTo": target} for digit, target in options],
        **ports,
    }
    return {
        "id": device_id,
        "type": "IVR_MENU",
        "name": name or f"Menu {device_id}",
        "extension": "",
        "ivrMenu": settings,
    }


def other(device_id, device_type, settings_key, name=None, **settings) -> dict:
    return {
        "id": device_id,
        "type": device_type,
        "name": name or device_id,
        "extension": "",
        settings_key: settings,
    }


def dean_devices() -> list[dict]:
    """Dean's Taxis: a number into a menu; 1 rings dispatch, 2 queues for bookings; a voicemail
    catches what nobody answers; the menu repeats itself on a wrong key."""
    return [
        start("dean-start", [DEAN_DDI], "dean-menu", name="Dean's line", extension="700"),
        menu(
            "dean-menu",
            [(1, "dean-dispatch"), (2, "dean-queue")],
            name="Taxi menu",
            onTimeout="HANGUP",
            onNoMatch="dean-menu",
        ),
        gateway(
            "dean-dispatch",
            name="Dispatch desk",
            extension="701",
            onNoAnswer="dean-voicemail",
            onBusy="dean-queue",
        ),
        other(
            "dean-queue",
            "QUEUE",
            "queue",
            name="Bookings queue",
            maxWait=300,
            onTimeout="dean-voicemail",
        ),
        other(
            "dean-voicemail", "VOICEMAIL", "voicemail", name="Taxi voicemail", connectTo="HANGUP"
        ),
    ]


def dean_ddis() -> list[dict]:
    return [{"id": DEAN_DDI, "name": "441234000111"}]


def dean_trunks() -> list[dict]:
    return [{"id": DEAN_TRUNK, "ip": "10.0.0.9", "description": "Dean's PBX"}]


# --- hypothesis: device lists as hostile as the upstream could send -------------------------

IDS = ["d0", "d1", "d2", "d3", "d4", "d5"]
TYPES = ["ROUTE_START", "SIP_GATEWAY", "IVR_MENU", "QUEUE", "VOICEMAIL", "TIME_SWITCH", "MYSTERY"]
FIELDS = [
    "connectTo",
    "onBusy",
    "onComplete",
    "onTimeout",
    "onNoMatch",
    "onx",
    "target",
    "ddis",
    "trunks",
    "id",
    "options",
    "digit",
]

scalars = st.one_of(
    st.sampled_from(IDS),
    st.sampled_from(["HANGUP", "VOICEMAIL_MAIN", "hangup", ""]),
    st.text(max_size=6),
    st.none(),
    st.integers(-3, 3),
    st.booleans(),
)
settings_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(FIELDS), children, max_size=4),
    ),
    max_leaves=12,
)
settings_objects = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), settings_values, max_size=5),
    st.none(),
    st.text(max_size=3),
    st.lists(scalars, max_size=2),
)
hostile_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['<script>alert("x")</script>', 'Tom & Jerry\'s "line"', "\x00\x07\ud800"]),
    st.none(),
    st.integers(),
)
devices_strategy = st.fixed_dictionaries(
    {
        "id": st.one_of(
            st.sampled_from(IDS), st.none(), st.integers(0, 3), st.sampled_from(['<"&>', ""])
        ),
        "type": st.one_of(st.sampled_from(TYPES), st.none(), st.integers()),
    },
    optional={
        "name": hostile_text,
        "extension": st.one_of(st.sampled_from(["600", "601", ""]), st.none(), st.integers(0, 2)),
        "startRoute": settings_objects,
        "sipGateway": settings_objects,
        "ivrMenu": settings_objects,
        "queue": settings_objects,
    },
)
device_lists = st.lists(
    st.one_of(devices_strategy, devices_strategy, st.none(), st.text(max_size=3), st.integers()),
    max_size=10,
)
ddi_lists = st.lists(
    st.fixed_dictionaries({"id": st.sampled_from(["n1", "n2", "d1"]), "name": hostile_text}),
    max_size=3,
)
trunk_lists = st.lists(
    st.fixed_dictionaries({"id": st.sampled_from(["t1", "t2"]), "description": hostile_text}),
    max_size=2,
)
