"""The call builder's model, without Django or HTTP: form values → draft → JSON body, and back."""

import pytest

from callable_admin.calls.verbs import (
    MAX_VERBS,
    PRESETS,
    Draft,
    Verb,
    apply,
    build_call,
    describe_target,
    describe_verb,
    draft_from_call,
    form_field_for,
    join,
    split,
    upstream_paths,
)

EVERY_KIND = {
    "callerId": "+441234567890",
    "tag": {"data": {"order": "1234", "store": "Leeds"}},
    "target": {"extension": {"extension": "604", "overrideTo": "201"}},
    "verbs": [
        {"say": {"text": ["Connecting you now.", "Please hold."]}},
        {"play": {"url": "https://example.com/hold.wav"}},
        {
            "dial": {
                "callerId": "+441234567891",
                "timeout": 10,
                "timeLimit": 14400,
                "targets": [
                    {"phoneNumber": {"number": "+441234567891"}},
                    {"device": {"id": "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"}},
                    {"sipUri": {"uri": "sip:alice@pbx.example.net"}},
                ],
            }
        },
        {
            "gather": {
                "numDigits": 4,
                "timeout": 5,
                "finishOnKey": "#",
                "url": "https://example.com/digits",
            }
        },
        {"reject": {"reason": "busy"}},
        {"hangup": {"reason": "call-complete"}},
        {"redirect": {"url": "http://example.com/next"}},
    ],
}


def test_a_body_with_every_kind_survives_the_builder_unchanged():
    draft = draft_from_call(EVERY_KIND)
    assert build_call(split(join(draft))) == EVERY_KIND


@pytest.mark.parametrize("name", PRESETS)
def test_each_starting_point_is_a_body_the_builder_can_hold(name):
    _, body = PRESETS[name]
    assert build_call(draft_from_call(body)) == body


def test_blank_optional_fields_are_left_out_not_sent_empty():
    values = {
        "caller_id": "  ",
        "target_kind": "extension",
        "target_extension": "604",
        "target_override_to": "",
        "tag_key_0": "",
        "tag_value_0": "",
        "verb_0_kind": "dial",
        "verb_0_caller_id": "",
        "verb_0_timeout": " ",
        "verb_0_time_limit": "",
        "verb_0_target_0_kind": "phoneNumber",
        "verb_0_target_0_number": "+441234567891",
        "verb_1_kind": "gather",
        "verb_1_num_digits": "",
        "verb_1_finish_on_key": "",
        "verb_1_url": "",
        "verb_2_kind": "reject",
        "verb_2_reason": "",
        "verb_3_kind": "hangup",
        "verb_3_reason": "",
    }
    assert build_call(split(values)) == {
        "target": {"extension": {"extension": "604"}},
        "verbs": [
            {"dial": {"targets": [{"phoneNumber": {"number": "+441234567891"}}]}},
            {"gather": {}},
            {"reject": {}},
            {"hangup": {}},
        ],
    }


def test_say_sends_one_string_per_non_blank_line_and_numbers_as_integers():
    draft = split(
        {
            "target_kind": "phoneNumber",
            "target_number": " +441234567893 ",
            "verb_0_kind": "say",
            "verb_0_text": "Hello\r\n\r\n  Goodbye  \n",
            "verb_1_kind": "gather",
            "verb_1_num_digits": "04",
            "verb_1_timeout": "1.5",
        }
    )
    body = build_call(draft)
    assert body["target"] == {"phoneNumber": {"number": "+441234567893"}}
    assert body["verbs"][0] == {"say": {"text": ["Hello", "Goodbye"]}}
    # Digits become a JSON integer; anything else stays text, for the preview to show as typed.
    assert body["verbs"][1] == {"gather": {"numDigits": 4, "timeout": "1.5"}}


def test_split_closes_gaps_and_drops_what_no_verb_of_that_kind_has():
    draft = split(
        {
            "verb_7_kind": "hangup",
            "verb_7_reason": "done",
            "verb_7_url": "https://x.example",
            "verb_2_kind": "say",
            "verb_2_text": "Hi",
            "verb_3_kind": "launch-missiles",
            "tag_key_9": "a",
            "tag_value_9": "1",
            "target_kind": "sipUri",
            "target_sip_uri": "sip:a@b",
            "target_number": "+441234567893",
            "evil": "x",
        }
    )
    assert [verb.kind for verb in draft.verbs] == ["say", "hangup"]
    assert draft.verbs[1].fields == {"reason": "done"}
    assert draft.tags == [("a", "1")]
    assert draft.target == {"kind": "sipUri", "sip_uri": "sip:a@b"}
    assert join(draft)["verb_1_kind"] == "hangup"


def test_split_caps_the_number_of_verbs():
    values = {f"verb_{index}_kind": "hangup" for index in range(MAX_VERBS + 30)}
    assert len(split(values).verbs) == MAX_VERBS


def _kinds(draft: Draft) -> list[str]:
    return [verb.kind for verb in draft.verbs]


def test_add_appends_a_verb_and_focuses_it():
    draft, focus = apply(Draft(verbs=[Verb("say")]), "add:dial")
    assert _kinds(draft) == ["say", "dial"]
    assert draft.verbs[1].targets == [{"kind": "phoneNumber"}]  # a dial starts with one target
    assert focus == "verb-1"


def test_up_down_and_remove_reorder_verbs_and_keep_their_fields():
    draft = Draft(verbs=[Verb("say", {"text": "a"}), Verb("play", {"url": "u"}), Verb("hangup")])
    moved, focus = apply(draft, "up:1")
    assert _kinds(moved) == ["play", "say", "hangup"] and moved.verbs[0].fields == {"url": "u"}
    assert focus == "verb-0-down"  # at the top it can only go down
    moved, focus = apply(draft, "down:0")
    assert _kinds(moved) == ["play", "say", "hangup"] and focus == "verb-1-down"
    removed, _ = apply(draft, "remove:1")
    assert _kinds(removed) == ["say", "hangup"]
    assert _kinds(draft) == ["say", "play", "hangup"]  # the draft given is not changed


@pytest.mark.parametrize(
    "action",
    [
        "up:0",
        "down:2",
        "remove:3",
        "remove:-1",
        "up:x",
        "add:sms",
        "add-target:0",
        "remove-target:0:0",
        "nonsense",
        "",
    ],
)
def test_actions_that_make_no_sense_change_nothing(action):
    draft = Draft(verbs=[Verb("say"), Verb("play"), Verb("hangup")])
    assert apply(draft, action) == (draft, "")


def test_dial_targets_are_added_and_removed_but_never_the_last():
    draft = Draft(verbs=[Verb("dial", targets=[{"kind": "phoneNumber", "number": "+1"}])])
    draft, _ = apply(draft, "add-target:0")
    assert draft.verbs[0].targets[1] == {"kind": "phoneNumber"}
    draft, _ = apply(draft, "remove-target:0:0")
    assert draft.verbs[0].targets == [{"kind": "phoneNumber"}]
    assert apply(draft, "remove-target:0:0")[0] == draft


def test_tag_rows_are_added_and_removed():
    draft, focus = apply(Draft(tags=[("a", "1")]), "add-tag")
    assert draft.tags == [("a", "1"), ("", "")] and focus == "id_tag_key_1"
    draft, _ = apply(draft, "remove-tag:0")
    assert draft.tags == [("", "")]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("callerId", "caller_id"),
        ("target", "target_kind"),
        ("target.phoneNumber.number", "target_number"),
        ("target.extension.overrideTo", "target_override_to"),
        ("target.device.id", "target_device"),
        ("verbs[0].say.text", "verb_0_text"),
        ("verbs[0].say.text[1]", "verb_0_text"),
        ("verbs[2].dial.timeLimit", "verb_2_time_limit"),
        ("verbs[2].dial.targets[1].sipUri.uri", "verb_2_target_1_sip_uri"),
        ("verbs[3].gather.finishOnKey", "verb_3_finish_on_key"),
        ("tag.data.store", "tag_value_1"),
        ("verbs", None),
        ("verbs[1]", None),
        ("tag.data.unknown", None),
        ("verbs[0].say.colour", None),
    ],
)
def test_upstream_error_paths_name_the_form_field_they_mean(path, field):
    draft = Draft(tags=[("order", "1"), ("store", "Leeds")])
    assert form_field_for(path, draft) == field


def test_every_path_into_a_body_is_listed_as_the_upstream_spells_it():
    paths = upstream_paths({"verbs": [{"say": {"text": ["a"]}}]})
    assert paths == [
        "verbs",
        "verbs[0]",
        "verbs[0].say",
        "verbs[0].say.text",
        "verbs[0].say.text[0]",
    ]


def test_summaries_name_targets_and_verbs_for_the_log():
    names = {"7aa48c2a-aa01-488b-abfb-4eabce3ce9f8": "Primary GW"}
    assert describe_target(EVERY_KIND["target"]) == "ext 604 → 201"
    assert (
        describe_target({"device": {"id": "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"}}, names)
        == "device Primary GW"
    )
    assert [describe_verb(verb, names) for verb in EVERY_KIND["verbs"]] == [
        "Say “Connecting you now. Please hold.”",
        "Play https://example.com/hold.wav",
        "Dial +441234567891, device Primary GW, sip:alice@pbx.example.net",
        "Gather 4 digits",
        "Reject (busy)",
        "Hang up (call-complete)",
        "Redirect http://example.com/next",
    ]
    assert describe_target("junk") == "?" and describe_verb(["junk"]) == "?"
