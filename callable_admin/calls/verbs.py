"""A voice call as the builder holds it, and the JSON body the API takes. Pure Python: no Django,
no HTTP. Form values (flat, indexed names) become a `Draft`; a `Draft` becomes the body that is
previewed and sent (`build_call`, one function for both) and a body becomes a `Draft` again
(`draft_from_call`, for starting points and "place again")."""

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

TARGET_KINDS = {
    "phoneNumber": "Phone number",
    "extension": "Extension",
    "device": "Flow device",
    "sipUri": "SIP URI",
}
VERB_KINDS = {
    "say": "Say",
    "play": "Play",
    "dial": "Dial",
    "gather": "Gather",
    "reject": "Reject",
    "hangup": "Hang up",
    "redirect": "Redirect",
}
# Form field name (after the prefix) → JSON name, per kind, in the order the builder shows them.
TARGET_FIELDS = {
    "phoneNumber": {"number": "number"},
    "extension": {"extension": "extension", "override_to": "overrideTo"},
    "device": {"device": "id"},
    "sipUri": {"sip_uri": "uri"},
}
VERB_FIELDS = {
    "say": {"text": "text"},
    "play": {"url": "url"},
    "dial": {"caller_id": "callerId", "timeout": "timeout", "time_limit": "timeLimit"},
    "gather": {
        "num_digits": "numDigits",
        "timeout": "timeout",
        "finish_on_key": "finishOnKey",
        "url": "url",
    },
    "reject": {"reason": "reason"},
    "hangup": {"reason": "reason"},
    "redirect": {"url": "url"},
}
INTEGER_FIELDS = {"timeout", "time_limit", "num_digits"}
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")

MAX_VERBS = 50
MAX_DIAL_TARGETS = 10
MAX_TAGS = 20

Target = dict[str, str]  # "kind" and that kind's form fields, as typed


@dataclass
class Verb:
    kind: str
    fields: dict[str, str] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)  # dial only


@dataclass
class Draft:
    caller_id: str = ""
    target: Target = field(default_factory=lambda: {"kind": "phoneNumber"})
    tags: list[tuple[str, str]] = field(default_factory=list)
    verbs: list[Verb] = field(default_factory=list)


def new_verb(kind: str) -> Verb:
    return Verb(kind, targets=[{"kind": "phoneNumber"}] if kind == "dial" else [])


# Form values ⇄ Draft

_TARGET_FIELD_NAMES = "|".join(["kind", *(n for f in TARGET_FIELDS.values() for n in f)])
_MAIN_TARGET_KEY = re.compile(rf"target_({_TARGET_FIELD_NAMES})")
_TAG_KEY = re.compile(r"tag_(key|value)_([0-9]{1,3})")
_VERB_KEY = re.compile(r"verb_([0-9]{1,3})_(\w+)")
_DIAL_TARGET_KEY = re.compile(rf"target_([0-9]{{1,3}})_({_TARGET_FIELD_NAMES})")


def _target_from(fields: dict[str, str]) -> Target:
    kind = fields.get("kind", "")
    known = TARGET_FIELDS.get(kind, {})
    return {"kind": kind, **{name: fields[name] for name in known if name in fields}}


def split(values: dict[str, str]) -> Draft:
    """The draft that form values describe. Indices are only an order: gaps close, unknown names
    and fields of another kind are dropped, and the counts are capped."""
    draft = Draft(caller_id=values.get("caller_id", ""))
    main_target: dict[str, str] = {}
    tags: dict[int, dict[str, str]] = {}
    verbs: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        if match := _MAIN_TARGET_KEY.fullmatch(key):
            main_target[match[1]] = value
        elif match := _TAG_KEY.fullmatch(key):
            tags.setdefault(int(match[2]), {})[match[1]] = value
        elif match := _VERB_KEY.fullmatch(key):
            verbs.setdefault(int(match[1]), {})[match[2]] = value
    draft.target = _target_from(main_target)
    draft.tags = [(row.get("key", ""), row.get("value", "")) for _, row in sorted(tags.items())]
    draft.tags = draft.tags[:MAX_TAGS]
    for _, raw in sorted(verbs.items()):
        kind = raw.get("kind", "")
        if kind not in VERB_KINDS or len(draft.verbs) >= MAX_VERBS:
            continue
        verb = Verb(kind, {name: raw[name] for name in VERB_FIELDS[kind] if name in raw})
        if kind == "dial":
            targets: dict[int, dict[str, str]] = {}
            for name, value in raw.items():
                if match := _DIAL_TARGET_KEY.fullmatch(name):
                    targets.setdefault(int(match[1]), {})[match[2]] = value
            verb.targets = [_target_from(t) for _, t in sorted(targets.items())]
            verb.targets = verb.targets[:MAX_DIAL_TARGETS]
        draft.verbs.append(verb)
    return draft


def join(draft: Draft) -> dict[str, str]:
    """The form values of a draft: the inverse of `split`."""
    values = {"caller_id": draft.caller_id}
    values.update({f"target_{name}": value for name, value in draft.target.items()})
    for row, (key, value) in enumerate(draft.tags):
        values[f"tag_key_{row}"], values[f"tag_value_{row}"] = key, value
    for index, verb in enumerate(draft.verbs):
        values[f"verb_{index}_kind"] = verb.kind
        values.update({f"verb_{index}_{name}": value for name, value in verb.fields.items()})
        for number, target in enumerate(verb.targets):
            values.update(
                {f"verb_{index}_target_{number}_{name}": value for name, value in target.items()}
            )
    return values


def device_ids(draft: Draft) -> list[str]:
    """The devices the draft's targets name."""
    targets = [draft.target, *(target for verb in draft.verbs for target in verb.targets)]
    return sorted({target["device"] for target in targets if target.get("device")})


# Builder actions: what the add, remove and move buttons ask for.


def apply(draft: Draft, action: str) -> tuple[Draft, str]:
    """The draft after `action` (`add:say`, `remove:2`, `up:2`, `down:2`, `add-target:1`,
    `remove-target:1:0`, `add-tag`, `remove-tag:3`), and the id of the element that should have
    focus afterwards ("" if none). Anything not understood changes nothing."""
    draft = copy.deepcopy(draft)
    verbs = draft.verbs
    name, _, argument = action.partition(":")
    numbers = [int(n) for n in argument.split(":") if n.isdecimal() and len(n) <= 3]
    if name == "add" and argument in VERB_KINDS and len(verbs) < MAX_VERBS:
        verbs.append(new_verb(argument))
        return draft, f"verb-{len(verbs) - 1}"
    if name == "add-tag" and len(draft.tags) < MAX_TAGS:
        draft.tags.append(("", ""))
        return draft, f"id_tag_key_{len(draft.tags) - 1}"
    if name == "remove-tag" and numbers and numbers[0] < len(draft.tags):
        del draft.tags[numbers[0]]
        return draft, "add-tag"
    if not numbers or numbers[0] >= len(verbs):
        return draft, ""
    index = numbers[0]
    if name == "remove":
        del verbs[index]
        return draft, "add-verb"
    if name == "up" and index > 0:
        verbs[index - 1], verbs[index] = verbs[index], verbs[index - 1]
        return draft, f"verb-{index - 1}-{'up' if index > 1 else 'down'}"
    if name == "down" and index < len(verbs) - 1:
        verbs[index], verbs[index + 1] = verbs[index + 1], verbs[index]
        return draft, f"verb-{index + 1}-{'down' if index + 2 < len(verbs) else 'up'}"
    targets = verbs[index].targets
    if name == "add-target" and verbs[index].kind == "dial" and len(targets) < MAX_DIAL_TARGETS:
        targets.append({"kind": "phoneNumber"})
        return draft, f"id_verb_{index}_target_{len(targets) - 1}_kind"
    if (
        name == "remove-target"
        and len(numbers) == 2
        and numbers[1] < len(targets)
        and len(targets) > 1
    ):
        del targets[numbers[1]]
        return draft, f"verb-{index}-add-target"
    return draft, ""


# Draft → the body the API takes


def _integer(text: str) -> int | str:
    """A JSON integer for digits; anything else stays text (only the preview ever shows that)."""
    return int(text) if WHOLE_NUMBER.fullmatch(text) else text


def build_target(target: Target) -> dict:
    kind = target.get("kind", "")
    if kind not in TARGET_FIELDS:
        return {}
    settings: dict[str, str] = {}
    for name, json_name in TARGET_FIELDS[kind].items():
        value = target.get(name, "").strip()
        if value or name != "override_to":  # the one optional field is left out when blank
            settings[json_name] = value
    return {kind: settings}


def build_verb(verb: Verb) -> dict:
    settings: dict[str, object] = {}
    for name, json_name in VERB_FIELDS[verb.kind].items():
        value = verb.fields.get(name, "").strip()
        if name == "text":
            settings["text"] = [line.strip() for line in value.splitlines() if line.strip()]
        elif name == "url" and verb.kind in ("play", "redirect"):
            settings["url"] = value  # required: sent even blank, so the preview shows the gap
        elif value:
            settings[json_name] = _integer(value) if name in INTEGER_FIELDS else value
    if verb.kind == "dial":
        settings["targets"] = [build_target(target) for target in verb.targets]
    return {verb.kind: settings}


def build_call(draft: Draft) -> dict:
    """The JSON body of `POST /account/{id}/channels/voice`: exactly what the preview shows and
    what is sent. Blank optional fields are left out; a blank callerId means the account's mbn."""
    call: dict[str, object] = {}
    if draft.caller_id.strip():
        call["callerId"] = draft.caller_id.strip()
    data = {key.strip(): value.strip() for key, value in draft.tags if key.strip() or value.strip()}
    if data:
        call["tag"] = {"data": data}
    call["target"] = build_target(draft.target)
    call["verbs"] = [build_verb(verb) for verb in draft.verbs]
    return call


# Body → Draft: starting points and "place again"


def _text(value: object) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value)


def _target_from_call(target: object) -> Target:
    if not isinstance(target, dict):
        return {"kind": "phoneNumber"}
    for kind, names in TARGET_FIELDS.items():
        if isinstance(target.get(kind), dict):
            settings = target[kind]
            return {
                "kind": kind,
                **{name: _text(settings.get(json_name)) for name, json_name in names.items()},
            }
    return {"kind": "phoneNumber"}


def draft_from_call(call: dict) -> Draft:
    """The draft that builds `call` again (what the builder cannot hold is left out)."""
    draft = Draft(
        caller_id=_text(call.get("callerId")), target=_target_from_call(call.get("target"))
    )
    tag = call.get("tag")
    data = tag.get("data") if isinstance(tag, dict) else None
    if isinstance(data, dict):
        draft.tags = [(str(key), _text(value)) for key, value in data.items()][:MAX_TAGS]
    verbs = call.get("verbs")
    for entry in verbs if isinstance(verbs, list) else []:
        kind = next((k for k in VERB_KINDS if isinstance(entry, dict) and k in entry), None)
        if kind is None or not isinstance(entry[kind], dict):
            continue
        settings = entry[kind]
        verb = Verb(kind)
        for name, json_name in VERB_FIELDS[kind].items():
            value = settings.get(json_name)
            if name == "text" and isinstance(value, list):
                verb.fields[name] = "\n".join(_text(line) for line in value)
            elif value is not None:
                verb.fields[name] = _text(value)
        if kind == "dial":
            targets = settings.get("targets")
            verb.targets = (
                [_target_from_call(t) for t in targets if isinstance(t, dict)]
                if isinstance(targets, list)
                else []
            )
            verb.targets = verb.targets[:MAX_DIAL_TARGETS] or [{"kind": "phoneNumber"}]
        draft.verbs.append(verb)
        if len(draft.verbs) >= MAX_VERBS:
            break
    return draft


# Starting points for common tasks, written as the API's own bodies.
PRESETS = {
    "announce_hangup": (
        "Announce and hang up",
        {
            "target": {"phoneNumber": {"number": ""}},
            "verbs": [
                {"say": {"text": ["This is a message from your Callable account."]}},
                {"hangup": {"reason": "call-complete"}},
            ],
        },
    ),
    "announce_connect": (
        "Announce then connect to a number",
        {
            "target": {"phoneNumber": {"number": ""}},
            "verbs": [
                {"say": {"text": ["Connecting you now."]}},
                {
                    "dial": {
                        "timeout": 30,
                        "timeLimit": 14400,
                        "targets": [{"phoneNumber": {"number": ""}}],
                    }
                },
            ],
        },
    ),
}


def starting_draft() -> Draft:
    """A new call: a phone number to ring and one thing to say."""
    return Draft(verbs=[new_verb("say")])


# Upstream field paths (`verbs[1].dial.targets[0].phoneNumber.number`) → form field names

_PATH_PART = re.compile(r"\.?([A-Za-z_]\w*)|\[([0-9]+)\]")


def _path_parts(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PATH_PART.findall(path)]


def _target_field(prefix: str, parts: list) -> str | None:
    if not parts:
        return f"{prefix}_kind"
    names = TARGET_FIELDS.get(parts[0])
    if names is None:
        return None
    wanted = parts[1] if len(parts) > 1 else None
    for name, json_name in names.items():
        if wanted is None or json_name == wanted:
            return f"{prefix}_{name}"
    return None


def form_field_for(path: str, draft: Draft) -> str | None:
    """The form field an upstream error path names, if one clearly does."""
    parts = _path_parts(path)
    match parts:
        case ["callerId"]:
            return "caller_id"
        case ["target", *rest]:
            return _target_field("target", rest)
        case ["tag", "data", key, *_]:
            keys = [k.strip() for k, _ in draft.tags]
            return f"tag_value_{keys.index(key)}" if key in keys else None
        case ["verbs", int(index), "dial", "targets", int(number), *rest]:
            return _target_field(f"verb_{index}_target_{number}", rest)
        case ["verbs", int(index), str(kind), str(json_name), *_] if kind in VERB_FIELDS:
            for name, known in VERB_FIELDS[kind].items():
                if known == json_name:
                    return f"verb_{index}_{name}"
    return None


def upstream_paths(body: object, prefix: str = "") -> list[str]:
    """Every path into `body`, spelt as the upstream spells error fields."""
    paths = [prefix] if prefix else []
    if isinstance(body, dict):
        for key, value in body.items():
            paths += upstream_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            paths += upstream_paths(value, f"{prefix}[{index}]")
    return paths


# One line per target and verb, for the log of calls placed


def _shorten(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_target(
    target: object,
    device_names: dict[str, str] | None = None,
    shown_number: Callable[[str], str] = str,
) -> str:
    body = build_target(_target_from_call(target)) if isinstance(target, dict) else {}
    kind, settings = next(iter(body.items()), ("", {}))
    if kind == "phoneNumber":
        return shown_number(settings["number"])
    if kind == "extension":
        override = settings.get("overrideTo")
        return f"ext {settings['extension']}" + (f" → {override}" if override else "")
    if kind == "device":
        name = (device_names or {}).get(settings["id"])
        return f"device {name}" if name else f"device {_shorten(settings['id'], 14)}"
    if kind == "sipUri":
        return _shorten(settings["uri"])
    return "?"


def describe_verb(verb: object, device_names: dict[str, str] | None = None) -> str:
    if not isinstance(verb, dict) or not verb:
        return "?"
    kind, settings = next(iter(verb.items()))
    settings = settings if isinstance(settings, dict) else {}
    label = VERB_KINDS.get(kind, kind)
    if kind == "say":
        lines = settings.get("text") if isinstance(settings.get("text"), list) else []
        return f"{label} “{_shorten(' '.join(map(str, lines)), 40)}”"
    if kind == "dial":
        targets = settings.get("targets") if isinstance(settings.get("targets"), list) else []
        return f"{label} " + ", ".join(describe_target(t, device_names) for t in targets)
    if kind == "gather":
        digits = settings.get("numDigits")
        return f"{label} {digits} digits" if digits else f"{label} digits"
    if kind in ("play", "redirect"):
        return f"{label} {_shorten(str(settings.get('url', '')), 40)}"
    reason = settings.get("reason")
    return f"{label} ({reason})" if reason else label
