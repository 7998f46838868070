"""POST …/channels/voice: the call's shape is checked, and a valid call is recorded."""

from __future__ import annotations

import pytest

DARREN = "5554872eb0731b38efa4d444"
VOICE = f"/api/v1/account/{DARREN}/channels/voice"
GATEWAY = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
SAY = {"say": {"text": ["Hello"]}}
PHONE = {"phoneNumber": {"number": "+441234567893"}}


def call(**fields) -> dict:
    return {"target": PHONE, "verbs": [SAY], **fields}


def field_errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    return {error["field"]: error["message"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    "target",
    [
        PHONE,
        {"extension": {"extension": "601"}},
        {"extension": {"extension": "604", "overrideTo": "201"}},
        {"device": {"id": GATEWAY}},
        {"sipUri": {"uri": "sips:reception@pbx.darrenspizzas.example"}},
    ],
)
def test_every_target_kind_is_accepted(demo, target):
    assert demo.post(VOICE, json=call(target=target)).status_code == 201


@pytest.mark.parametrize(
    "verb",
    [
        SAY,
        {"play": {"url": "https://media.example/hold.mp3"}},
        {"dial": {"targets": [PHONE, {"device": {"id": GATEWAY}}], "timeout": 600, "timeLimit": 1}},
        {"dial": {"callerId": "", "targets": [PHONE]}},
        {
            "gather": {
                "numDigits": 4,
                "timeout": 10,
                "finishOnKey": "#",
                "url": "http://x.example/g",
            }
        },
        {"gather": {}},
        {"reject": {"reason": "busy"}},
        {"reject": {}},
        {"hangup": {"reason": "call-complete"}},
        {"hangup": {}},
        {"redirect": {"url": "https://x.example/next"}},
    ],
)
def test_every_verb_is_accepted(demo, verb):
    assert demo.post(VOICE, json=call(verbs=[verb])).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (call(callerId="441234567890"), "callerId"),
        (call(callerId="+44"), "callerId"),
        (call(callerId=441234567890), "callerId"),
        (call(tag="myKey=myValue"), "tag"),
        (call(tag={"data": ["x"]}), "tag.data"),
        (call(tag={"data": {"n": 1}}), "tag.data.n"),
        ({"verbs": [SAY]}, "target"),
        (call(target={}), "target"),
        (call(target={**PHONE, "extension": {"extension": "601"}}), "target"),
        (call(target={"phoneNumber": {"number": "01234 567893"}}), "target.phoneNumber.number"),
        (call(target={"phoneNumber": "+441234567893"}), "target.phoneNumber"),
        (call(target={"extension": {"extension": "six"}}), "target.extension.extension"),
        (
            call(target={"extension": {"extension": "601", "overrideTo": 201}}),
            "target.extension.overrideTo",
        ),
        (call(target={"device": {"id": "no-such-device"}}), "target.device.id"),
        (call(target={"sipUri": {"uri": "tel:+441234567893"}}), "target.sipUri.uri"),
        (call(verbs=[]), "verbs"),
        (call(verbs=SAY), "verbs"),
        (call(verbs=[SAY] * 101), "verbs"),
        (call(verbs=["say"]), "verbs[0]"),
        (call(verbs=[{}]), "verbs[0]"),
        (call(verbs=[{**SAY, "hangup": {}}]), "verbs[0]"),
        (call(verbs=[{"say": {"text": []}}]), "verbs[0].say.text"),
        (call(verbs=[{"say": {"text": "Hello"}}]), "verbs[0].say.text"),
        (call(verbs=[{"say": {"text": ["Hi", ""]}}]), "verbs[0].say.text[1]"),
        (call(verbs=[{"play": {"url": "file:///etc/passwd"}}]), "verbs[0].play.url"),
        (call(verbs=[{"play": {}}]), "verbs[0].play.url"),
        (call(verbs=[{"dial": {"targets": []}}]), "verbs[0].dial.targets"),
        (call(verbs=[{"dial": {"targets": [{"pstn": "x"}]}}]), "verbs[0].dial.targets[0]"),
        (call(verbs=[{"dial": {"targets": [PHONE], "timeout": 0}}]), "verbs[0].dial.timeout"),
        (call(verbs=[{"dial": {"targets": [PHONE], "timeout": 601}}]), "verbs[0].dial.timeout"),
        (
            call(verbs=[{"dial": {"targets": [PHONE], "timeLimit": 86401}}]),
            "verbs[0].dial.timeLimit",
        ),
        (call(verbs=[{"dial": {"targets": [PHONE], "callerId": "12"}}]), "verbs[0].dial.callerId"),
        (call(verbs=[{"gather": {"numDigits": 33}}]), "verbs[0].gather.numDigits"),
        (call(verbs=[{"gather": {"timeout": 0}}]), "verbs[0].gather.timeout"),
        (call(verbs=[{"gather": {"finishOnKey": "A"}}]), "verbs[0].gather.finishOnKey"),
        (call(verbs=[{"gather": {"finishOnKey": "##"}}]), "verbs[0].gather.finishOnKey"),
        (call(verbs=[{"gather": {"url": "//x.example"}}]), "verbs[0].gather.url"),
        (call(verbs=[{"reject": {"reason": "declined"}}]), "verbs[0].reject.reason"),
        (call(verbs=[{"hangup": {"reason": 5}}]), "verbs[0].hangup.reason"),
        (call(verbs=[{"redirect": {}}]), "verbs[0].redirect.url"),
    ],
)
def test_call_rules(demo, control, body, field):
    assert field in field_errors(demo.post(VOICE, json=body))
    assert control.get("/_sandbox/calls").json() == []


def test_a_call_is_recorded_with_who_placed_it(demo, control):
    demo.post(VOICE, json=call(callerId="+441234567899"))

    [recorded] = control.get("/_sandbox/calls").json()

    assert recorded["user"] == "demo"
    assert recorded["callerId"] == "+441234567899"
    assert recorded["status"] == "queued"
    assert recorded["request"] == call(callerId="+441234567899")
    assert recorded["createdAt"].endswith("Z")


def test_a_blank_caller_id_means_the_main_billing_number(demo, control):
    demo.post(VOICE, json=call(callerId=""))

    assert control.get("/_sandbox/calls").json()[0]["callerId"] == "+441234567890"


def test_calls_are_cleared_by_delete(demo, control):
    demo.post(VOICE, json=call())

    assert control.delete("/_sandbox/calls").status_code == 204
    assert control.get("/_sandbox/calls").json() == []


def test_a_call_on_an_unknown_account_is_404(demo):
    response = demo.post("/api/v1/account/000000000000000000000000/channels/voice", json=call())

    assert response.status_code == 404
