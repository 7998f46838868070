"""Placing a call at /accounts/<id>/calls/new/, against the sandbox over HTTP."""

import html
import json
import re

import pytest

from callable_admin.audit.models import AuditEntry
from callable_admin.calls.models import PlacedCall
from tests.conftest import DARREN, DARREN_GATEWAY, DEAN, sign_in

pytestmark = pytest.mark.django_db

NEW = f"/accounts/{DARREN}/calls/new/"
PREVIEW = f"/accounts/{DARREN}/calls/new/preview/"


def call_form(**fields) -> dict:
    """A valid builder POST (ring a number, say one line), with `fields` changed."""
    form = {
        "target_kind": "phoneNumber",
        "target_number": "+441234567893",
        "verb_0_kind": "say",
        "verb_0_text": "Your pizza is outside!",
        "action": "place",
    }
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


def voice_posts(sandbox) -> list[dict]:
    return sandbox.requests(path=r"/channels/voice$", method="POST")


def sent(sandbox) -> dict:
    [call] = sandbox.calls()
    return call["request"]


def preview(page: str) -> dict:
    """The JSON the page's preview shows."""
    [shown] = re.findall(r'<pre class="json"[^>]*>(.*?)</pre>', page, re.S)
    return json.loads(html.unescape(shown))


def field_block(page: str, name: str) -> str:
    """The markup of the field group holding the input named `name`."""
    for block in re.findall(r'<div class="field[^"]*".*?</div>', page, re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


# Role


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", NEW),
        ("post", NEW),
        ("post", PREVIEW),
    ],
)
def test_it_requires_the_voice_channel_role_before_any_upstream_call(
    support_client, sandbox, method, path
):
    response = getattr(support_client, method)(path, call_form())
    assert response.status_code == 403
    assert "Placing calls needs the voice channel role" in response.content.decode()
    assert sandbox.api_requests() == [] and sandbox.calls() == []


def test_support_staff_read_the_calls_log_but_are_not_offered_to_place_one(support_client):
    response = support_client.get(f"/accounts/{DARREN}/calls/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Calls placed from this dashboard" in page
    assert f"/accounts/{DARREN}/calls/new/" not in page


def test_the_calls_tab_shows_to_everyone_and_placing_only_to_users_who_may(client, sandbox):
    sign_in(client, "demo")
    assert (
        f'href="/accounts/{DARREN}/calls/"' in client.get(f"/accounts/{DARREN}/").content.decode()
    )
    client.post("/logout/")
    sign_in(client, "support")
    page = client.get(f"/accounts/{DARREN}/calls/").content.decode()
    assert f'href="/accounts/{DARREN}/calls/"' in page  # support reads the log…
    assert f"/accounts/{DARREN}/calls/new/" not in page  # …but is not offered to place calls


# The form


def test_the_form_offers_the_accounts_devices_and_its_billing_number(demo_client, sandbox):
    response = demo_client.get(NEW)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'placeholder="+44 1234 567890"' in page  # Darren's mbn, as people read it
    assert "Primary GW · ext 601 · SIP_GATEWAY" in page
    assert f'value="{DARREN_GATEWAY}"' in page
    # Account, devices and address (whose country reads national numbers) at once: one trip.
    assert sorted(e["path"] for e in sandbox.api_requests()) == [
        f"/api/v1/account/{DARREN}",
        f"/api/v1/account/{DARREN}/address",
        f"/api/v1/account/{DARREN}/device",
    ]


def test_the_preview_is_rendered_with_the_page(demo_client, sandbox):
    page = demo_client.get(NEW + "?preset=announce_hangup").content.decode()
    assert preview(page) == {
        "target": {"phoneNumber": {"number": ""}},
        "verbs": [
            {"say": {"text": ["This is a message from your Callable account."]}},
            {"hangup": {"reason": "call-complete"}},
        ],
    }


@pytest.mark.parametrize(
    ("preset", "kinds"),
    [
        ("announce_hangup", ["say", "hangup"]),
        ("announce_connect", ["say", "dial"]),
    ],
)
def test_starting_points_prefill_the_builder(demo_client, sandbox, preset, kinds):
    page = demo_client.get(f"{NEW}?preset={preset}").content.decode()
    for index, kind in enumerate(kinds):
        assert f'name="verb_{index}_kind" value="{kind}"' in page
    assert 'name="verb_2_kind"' not in page
    assert sandbox.calls() == []


# Placing: each target kind and each verb kind reaches the upstream as the API wants it


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({"target_number": "+441234567893"}, {"phoneNumber": {"number": "+441234567893"}}),
        (
            {"target_kind": "extension", "target_extension": "604", "target_override_to": "201"},
            {"extension": {"extension": "604", "overrideTo": "201"}},
        ),
        (
            {"target_kind": "extension", "target_extension": "604", "target_override_to": ""},
            {"extension": {"extension": "604"}},
        ),
        (
            {"target_kind": "device", "target_device": DARREN_GATEWAY},
            {"device": {"id": DARREN_GATEWAY}},
        ),
        (
            {"target_kind": "sipUri", "target_sip_uri": "sips:alice@pbx.example.net"},
            {"sipUri": {"uri": "sips:alice@pbx.example.net"}},
        ),
    ],
)
def test_it_places_a_call_to_each_kind_of_target(demo_client, sandbox, fields, target):
    response = demo_client.post(NEW, call_form(**fields))
    assert response.status_code == 302
    assert sent(sandbox) == {
        "target": target,
        "verbs": [{"say": {"text": ["Your pizza is outside!"]}}],
    }


@pytest.mark.parametrize(
    ("fields", "verb"),
    [
        (
            {"verb_0_kind": "say", "verb_0_text": "Hello\r\nGoodbye"},
            {"say": {"text": ["Hello", "Goodbye"]}},
        ),
        (
            {"verb_0_kind": "play", "verb_0_url": "https://example.com/hold.wav"},
            {"play": {"url": "https://example.com/hold.wav"}},
        ),
        (
            {
                "verb_0_kind": "dial",
                "verb_0_caller_id": "+441234567890",
                "verb_0_timeout": "10",
                "verb_0_time_limit": "14400",
                "verb_0_target_0_kind": "phoneNumber",
                "verb_0_target_0_number": "+441234567891",
                "verb_0_target_1_kind": "extension",
                "verb_0_target_1_extension": "604",
                "verb_0_target_2_kind": "device",
                "verb_0_target_2_device": DARREN_GATEWAY,
                "verb_0_target_3_kind": "sipUri",
                "verb_0_target_3_sip_uri": "sip:bob@pbx.example.net",
            },
            {
                "dial": {
                    "callerId": "+441234567890",
                    "timeout": 10,
                    "timeLimit": 14400,
                    "targets": [
                        {"phoneNumber": {"number": "+441234567891"}},
                        {"extension": {"extension": "604"}},
                        {"device": {"id": DARREN_GATEWAY}},
                        {"sipUri": {"uri": "sip:bob@pbx.example.net"}},
                    ],
                }
            },
        ),
        (
            {
                "verb_0_kind": "gather",
                "verb_0_num_digits": "4",
                "verb_0_timeout": "5",
                "verb_0_finish_on_key": "#",
                "verb_0_url": "https://example.com/digits",
            },
            {
                "gather": {
                    "numDigits": 4,
                    "timeout": 5,
                    "finishOnKey": "#",
                    "url": "https://example.com/digits",
                }
            },
        ),
        ({"verb_0_kind": "gather"}, {"gather": {}}),
        ({"verb_0_kind": "reject", "verb_0_reason": "busy"}, {"reject": {"reason": "busy"}}),
        ({"verb_0_kind": "reject"}, {"reject": {}}),
        (
            {"verb_0_kind": "hangup", "verb_0_reason": "call-complete"},
            {"hangup": {"reason": "call-complete"}},
        ),
        (
            {"verb_0_kind": "redirect", "verb_0_url": "http://example.com/next"},
            {"redirect": {"url": "http://example.com/next"}},
        ),
    ],
)
def test_it_sends_each_kind_of_verb(demo_client, sandbox, fields, verb):
    response = demo_client.post(NEW, call_form(**{"verb_0_text": None, **fields}))
    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    assert sent(sandbox)["verbs"] == [verb]


def test_verbs_go_in_the_order_built_with_tags_and_caller_id(demo_client, sandbox):
    response = demo_client.post(
        NEW,
        call_form(
            caller_id="+441234567890",
            tag_key_0="order",
            tag_value_0="1234",
            tag_key_1="",
            tag_value_1="",
            tag_key_2="store",
            tag_value_2="Café Zoë",
            verb_1_kind="hangup",
            verb_1_reason="call-complete",
        ),
    )
    assert response.status_code == 302
    assert sent(sandbox) == {
        "callerId": "+441234567890",
        "tag": {"data": {"order": "1234", "store": "Café Zoë"}},
        "target": {"phoneNumber": {"number": "+441234567893"}},
        "verbs": [
            {"say": {"text": ["Your pizza is outside!"]}},
            {"hangup": {"reason": "call-complete"}},
        ],
    }


def test_a_blank_caller_id_is_left_out_so_the_upstream_uses_the_billing_number(
    demo_client, sandbox
):
    demo_client.post(NEW, call_form(caller_id=""))
    assert "callerId" not in sent(sandbox)
    assert sandbox.calls()[0]["callerId"] == "+441234567890"


def test_placing_logs_the_call_audits_it_and_says_so(demo_client, sandbox):
    sandbox.config(created="body")
    response = demo_client.post(NEW, call_form())
    [call] = sandbox.calls()
    placed = PlacedCall.objects.get()
    assert (placed.account_id, placed.username, placed.outcome) == (DARREN, "demo", "applied")
    assert placed.user.upstream_username == "demo"
    assert placed.request_body == call["request"]
    assert placed.upstream_status == 201 and placed.call_id == call["id"]
    assert placed.answer["id"] == call["id"]
    assert placed.request_id == response["X-Request-ID"]
    entry = AuditEntry.objects.get()
    assert (entry.object_kind, entry.action, entry.outcome, entry.object_id) == (
        "call",
        "place",
        "applied",
        call["id"],
    )
    assert response["Location"] == f"/accounts/{DARREN}/calls/#call-{placed.pk}"
    page = demo_client.get(response["Location"]).content.decode()
    assert f"Call placed to +44 1234 567893: upstream id {call['id']}." in page


@pytest.mark.parametrize("created", ["empty", "body", "location"])
def test_each_kind_of_201_is_understood(demo_client, sandbox, created):
    sandbox.config(created=created)
    assert demo_client.post(NEW, call_form()).status_code == 302
    [call] = sandbox.calls()
    placed = PlacedCall.objects.get()
    assert placed.outcome == "applied"
    assert placed.call_id == ("" if created == "empty" else call["id"])
    assert (placed.answer or {}).get("id") == (call["id"] if created == "body" else None)


# Validation before sending: 400, the form kept, nothing sent


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"target_number": "call me maybe"}, "target_number", "with its country code"),
        ({"target_number": ""}, "target_number", "Enter the number to call."),
        ({"target_kind": ""}, "target_kind", "This field is required."),
        (
            {"target_kind": "extension", "target_extension": "60a"},
            "target_extension",
            "1 to 10 digits",
        ),
        (
            {"target_kind": "extension", "target_extension": "604", "target_override_to": "+1"},
            "target_override_to",
            "1 to 10 digits",
        ),
        (
            {"target_kind": "device", "target_device": "4db61df1-not-a-device"},
            "target_device",
            "Select a valid choice",
        ),
        (
            {"target_kind": "sipUri", "target_sip_uri": "alice@pbx.example.net"},
            "target_sip_uri",
            "sip: or sips:",
        ),
        ({"caller_id": "12"}, "caller_id", "with its country code"),
        ({"verb_0_text": "   "}, "verb_0_text", "one line at least"),
        (
            {
                "verb_1_kind": "dial",
                "verb_1_timeout": "0",
                "verb_1_target_0_kind": "phoneNumber",
                "verb_1_target_0_number": "+441234567891",
            },
            "verb_1_timeout",
            "greater than or equal to 1",
        ),
        (
            {
                "verb_1_kind": "dial",
                "verb_1_timeout": "601",
                "verb_1_target_0_kind": "phoneNumber",
                "verb_1_target_0_number": "+441234567891",
            },
            "verb_1_timeout",
            "less than or equal to 600",
        ),
        (
            {
                "verb_1_kind": "dial",
                "verb_1_time_limit": "86401",
                "verb_1_target_0_kind": "phoneNumber",
                "verb_1_target_0_number": "+441234567891",
            },
            "verb_1_time_limit",
            "less than or equal to",
        ),
        (
            {
                "verb_1_kind": "dial",
                "verb_1_timeout": "1.5",
                "verb_1_target_0_kind": "phoneNumber",
                "verb_1_target_0_number": "+441234567891",
            },
            "verb_1_timeout",
            "whole number",
        ),
        (
            {
                "verb_1_kind": "dial",
                "verb_1_target_0_kind": "phoneNumber",
                "verb_1_target_0_number": "1234",
            },
            "verb_1_target_0_number",
            "with its country code",
        ),
        (
            {"verb_1_kind": "gather", "verb_1_num_digits": "33"},
            "verb_1_num_digits",
            "less than or equal to 32",
        ),
        (
            {"verb_1_kind": "gather", "verb_1_finish_on_key": "A"},
            "verb_1_finish_on_key",
            "Select a valid choice",
        ),
        ({"verb_1_kind": "gather", "verb_1_url": "ftp://example.com/x"}, "verb_1_url", "http"),
        ({"verb_1_kind": "play", "verb_1_url": "javascript:alert(1)"}, "verb_1_url", "http"),
        ({"verb_1_kind": "play", "verb_1_url": ""}, "verb_1_url", "This field is required."),
        ({"verb_1_kind": "redirect", "verb_1_url": "example.com/next"}, "verb_1_url", "http"),
        ({"verb_1_kind": "reject", "verb_1_reason": "bored"}, "verb_1_reason", "valid choice"),
        ({"tag_key_0": "", "tag_value_0": "orphan"}, "tag_key_0", "Name this tag."),
        (
            {"tag_key_0": "a", "tag_value_0": "1", "tag_key_1": "a", "tag_value_1": "2"},
            "tag_key_1",
            "already used",
        ),
    ],
)
def test_bad_input_is_refused_by_the_field_with_400_and_nothing_sent(
    demo_client, sandbox, fields, field, message
):
    response = demo_client.post(NEW, call_form(**fields))
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    block = field_block(page, field)
    assert 'class="field invalid' in block and message in block, block
    assert voice_posts(sandbox) == [] and PlacedCall.objects.count() == 0
    # What was typed is still there.
    if "verb_0_text" not in fields:
        assert "Your pizza is outside!" in page
    if "<input" in block and fields[field].strip():
        assert f'value="{fields[field]}"' in block


def test_a_call_needs_at_least_one_verb(demo_client, sandbox):
    response = demo_client.post(NEW, call_form(verb_0_kind=None, verb_0_text=None))
    assert response.status_code == 400
    assert "Add at least one verb" in html.unescape(response.content.decode())
    assert voice_posts(sandbox) == []


def test_a_dial_needs_a_target(demo_client, sandbox):
    response = demo_client.post(NEW, call_form(verb_1_kind="dial"))
    assert response.status_code == 400
    assert "Verb 2 (Dial) needs at least one target." in html.unescape(response.content.decode())
    assert voice_posts(sandbox) == []


# The upstream refuses or fails: its message, the form kept, the attempt logged


def test_an_upstream_refusal_shows_its_message_atop_and_keeps_the_form(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=422, method="POST", path="channels/voice")
    response = demo_client.post(NEW, call_form(tag_key_0="order", tag_value_0="1234"))
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "The Callable API refused this: Injected fault: HTTP 422" in page
    assert 'value="+441234567893"' in page and "Your pizza is outside!" in page
    assert 'value="1234"' in page
    placed = PlacedCall.objects.get()
    assert (placed.outcome, placed.upstream_status) == ("refused", 422)
    assert placed.message == "Injected fault: HTTP 422"
    assert AuditEntry.objects.get().outcome == "refused"


def test_an_upstream_refusal_naming_a_field_is_shown_by_that_field(demo_client, sandbox):
    # Port 99999 passes the dashboard's URL check; the sandbox, like a real API, knows better.
    response = demo_client.post(
        NEW, call_form(verb_1_kind="play", verb_1_url="https://example.com:99999/hold.wav")
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert len(voice_posts(sandbox)) == 1 and sandbox.calls() == []
    block = field_block(page, "verb_1_url")
    assert "must be an absolute http(s) URL" in block
    assert 'value="https://example.com:99999/hold.wav"' in block
    placed = PlacedCall.objects.get()
    assert placed.outcome == "refused"
    assert "verbs[1].play.url" in placed.answer["errors"]


def test_an_upstream_failure_keeps_the_form_and_says_nothing_was_placed(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=503, method="POST", path="channels/voice")
    response = demo_client.post(NEW, call_form())
    page = html.unescape(response.content.decode())
    assert response.status_code == 503
    assert "The Callable API did not answer, so nothing was saved" in page
    assert "Your pizza is outside!" in page
    # A POST is never retried: one attempt, logged as failed.
    assert len(voice_posts(sandbox)) == 1
    placed = PlacedCall.objects.get()
    assert (placed.outcome, placed.upstream_status) == ("failed", 503)
    assert AuditEntry.objects.get().outcome == "failed"


def test_an_upstream_that_does_not_answer_in_time_keeps_the_form(demo_client, sandbox, settings):
    settings.CALLABLE_API_TIMEOUT = 0.5
    sandbox.faults(hang_next=1, hang_seconds=2, method="POST", path="channels/voice")
    response = demo_client.post(NEW, call_form())
    assert response.status_code == 504
    assert "did not answer in time" in html.unescape(response.content.decode())
    placed = PlacedCall.objects.get()
    assert (placed.outcome, placed.upstream_status) == ("failed", None)


# The builder's buttons: plain POSTs; with HTMX only the section changes


def test_adding_a_verb_without_javascript_rerenders_the_whole_form(demo_client, sandbox):
    response = demo_client.post(NEW, call_form(action="add:hangup", caller_id="+441234567890"))
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert 'name="verb_1_kind" value="hangup"' in page
    assert 'value="+441234567890"' in page and "Your pizza is outside!" in page
    assert voice_posts(sandbox) == []


def test_adding_a_verb_with_htmx_answers_with_the_verbs_and_the_preview_only(demo_client, sandbox):
    response = demo_client.post(NEW, call_form(action="add:dial"), HTTP_HX_REQUEST="true")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<section class="panel" id="verbs"')
    assert 'name="verb_1_target_0_kind"' in page and 'data-focus="verb-1"' in page
    assert 'id="preview" aria-labelledby="preview-title" hx-swap-oob="true"' in page
    assert preview(page)["verbs"][1] == {"dial": {"targets": [{"phoneNumber": {"number": ""}}]}}
    assert 'name="target_number"' not in page and voice_posts(sandbox) == []


def test_tag_buttons_answer_with_the_tags_section(demo_client, sandbox):
    response = demo_client.post(NEW, call_form(action="add-tag"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="panel" id="tags"')
    assert 'name="tag_key_0"' in page and 'name="verb_0_text"' not in page


def test_moving_and_removing_verbs_keeps_what_was_typed(demo_client, sandbox):
    form = call_form(
        verb_1_kind="hangup",
        verb_1_reason="done",
        verb_2_kind="play",
        verb_2_url="https://example.com/a.wav",
    )
    page = demo_client.post(NEW, {**form, "action": "up:2"}).content.decode()
    assert re.findall(r'name="verb_(\d)_kind" value="(\w+)"', page) == [
        ("0", "say"),
        ("1", "play"),
        ("2", "hangup"),
    ]
    assert 'name="verb_1_url" value="https://example.com/a.wav"' in page
    assert 'name="verb_2_reason" value="done"' in page
    page = demo_client.post(NEW, {**form, "action": "remove:0"}).content.decode()
    assert re.findall(r'name="verb_(\d)_kind" value="(\w+)"', page) == [
        ("0", "hangup"),
        ("1", "play"),
    ]
    assert voice_posts(sandbox) == []


def test_enter_in_a_field_refreshes_rather_than_places(demo_client, sandbox):
    response = demo_client.post(NEW, call_form(action="refresh"))
    assert response.status_code == 200 and voice_posts(sandbox) == []


def test_the_preview_shows_the_body_from_what_is_typed_without_asking_the_upstream(
    demo_client, sandbox
):
    response = demo_client.post(
        PREVIEW,
        call_form(caller_id="+441234567890", verb_1_kind="dial", verb_1_timeout="30"),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert preview(page) == {
        "callerId": "+441234567890",
        "target": {"phoneNumber": {"number": "+441234567893"}},
        "verbs": [
            {"say": {"text": ["Your pizza is outside!"]}},
            {"dial": {"timeout": 30, "targets": []}},
        ],
    }
    assert sandbox.api_requests() == []


# Place again


def test_place_again_prefills_the_builder_from_the_log_and_sends_nothing(demo_client, sandbox):
    demo_client.post(
        NEW,
        call_form(
            verb_1_kind="hangup",
            verb_1_reason="call-complete",
            tag_key_0="order",
            tag_value_0="1234",
        ),
    )
    placed = PlacedCall.objects.get()
    page = demo_client.get(f"{NEW}?again={placed.pk}").content.decode()
    assert 'name="target_number" type' in page or 'value="+441234567893"' in page
    assert 'name="verb_1_kind" value="hangup"' in page and 'value="call-complete"' in page
    assert 'name="tag_key_0"' in page and 'value="1234"' in page
    assert len(sandbox.calls()) == 1


@pytest.mark.parametrize("again", ["abc", "999999", "-1"])
def test_place_again_of_an_unknown_call_is_not_found(demo_client, sandbox, again):
    assert demo_client.get(f"{NEW}?again={again}").status_code == 404


def test_place_again_only_opens_calls_of_the_same_account(demo_client, sandbox):
    demo_client.post(NEW, call_form())
    placed = PlacedCall.objects.get()
    assert demo_client.get(f"/accounts/{DEAN}/calls/new/?again={placed.pk}").status_code == 404


def test_when_the_reads_before_placing_fail_the_form_comes_back_as_typed(demo_client, sandbox):
    # Three failures: the transport retries a failed GET twice.
    sandbox.faults(fail_next=3, fail_status=503, method="GET", path=f"/account/{DARREN}$")
    response = demo_client.post(
        NEW,
        call_form(target_kind="device", target_device=DARREN_GATEWAY, caller_id="+441234567890"),
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 503
    assert "so the call was not placed. Everything you typed is kept" in page
    assert 'value="+441234567890"' in page and "Your pizza is outside!" in page
    assert f'<option value="{DARREN_GATEWAY}" selected>' in page
    assert voice_posts(sandbox) == [] and PlacedCall.objects.count() == 0


def test_a_builder_button_while_the_upstream_is_down_reports_in_the_flash_region(
    demo_client, sandbox
):
    sandbox.faults(fail_next=3, fail_status=502, method="GET", path=f"/account/{DARREN}$")
    response = demo_client.post(NEW, call_form(action="add:say"), HTTP_HX_REQUEST="true")
    assert response.status_code == 502
    assert response["HX-Retarget"] == "#flash"  # the builder on the page is left as it is
    assert "did not answer" in response.content.decode()


@pytest.mark.parametrize("status", [400, 403, 429])
def test_when_the_reads_before_placing_are_refused_the_form_comes_back_as_typed(
    demo_client, sandbox, status
):
    sandbox.faults(fail_next=1, fail_status=status, method="GET", path=f"/account/{DARREN}$")
    response = demo_client.post(
        NEW,
        call_form(target_kind="device", target_device=DARREN_GATEWAY, caller_id="+441234567890"),
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == status
    assert "so the call was not placed. Everything you typed is kept" in page
    assert 'value="+441234567890"' in page and "Your pizza is outside!" in page
    assert f'<option value="{DARREN_GATEWAY}" selected>' in page
    assert voice_posts(sandbox) == [] and PlacedCall.objects.count() == 0


def test_an_upstream_asking_to_slow_down_keeps_the_form_and_says_so(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=429, method="POST", path="channels/voice")
    response = demo_client.post(NEW, call_form())
    page = html.unescape(response.content.decode())
    assert response.status_code == 429
    assert "asked us to slow down" in page and "Your pizza is outside!" in page
    assert PlacedCall.objects.get().outcome == "failed"


# Numbers as people dial them


def test_a_national_number_is_read_in_the_accounts_country_and_sent_as_e164(demo_client, sandbox):
    response = demo_client.post(
        NEW,
        call_form(
            target_number="01234 567893",
            caller_id="(01234) 567-890",
            verb_1_kind="dial",
            verb_1_target_0_kind="phoneNumber",
            verb_1_target_0_number="01323 456701",
        ),
    )
    assert response.status_code == 302
    body = sent(sandbox)
    assert body["target"] == {"phoneNumber": {"number": "+441234567893"}}
    assert body["callerId"] == "+441234567890"
    assert body["verbs"][1]["dial"]["targets"] == [{"phoneNumber": {"number": "+441323456701"}}]


def test_the_preview_shows_a_national_number_as_it_will_be_sent(demo_client):
    page = demo_client.get(NEW).content.decode()
    assert '<input type="hidden" name="number_region" value="GB">' in page
    preview = demo_client.post(
        PREVIEW, {**call_form(target_number="01234 567893"), "number_region": "GB"}
    ).content.decode()
    assert "+441234567893" in preview and "01234 567893" not in preview


def test_a_number_of_another_country_keeps_its_code(demo_client, sandbox):
    demo_client.post(NEW, call_form(target_number="+1 212 555 0123"))
    assert sent(sandbox)["target"] == {"phoneNumber": {"number": "+12125550123"}}


def test_a_national_number_is_read_in_the_country_of_the_accounts_address(demo_client, sandbox):
    token = sandbox.token()
    address_path = f"/api/v1/account/{DARREN}/address"
    address = sandbox.api("GET", address_path, token).json()
    moved = {**address, "country": "Ireland"}
    assert sandbox.api("PUT", address_path, token, json=moved).status_code == 204
    page = demo_client.get(NEW).content.decode()
    assert '<input type="hidden" name="number_region" value="IE">' in page
    demo_client.post(NEW, call_form(target_number="01 234 5678"))
    assert sent(sandbox)["target"] == {"phoneNumber": {"number": "+35312345678"}}
