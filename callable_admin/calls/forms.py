"""The call builder's form: its fields follow the draft (one group per verb and per target), so
the same form validates a POST and renders the builder. The body itself is built from the draft
by `verbs.build_call`; this form only says whether that body may be sent."""

from dataclasses import dataclass

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator

from callable_admin import phones
from callable_admin.calls.verbs import (
    TARGET_FIELDS,
    TARGET_KINDS,
    VERB_FIELDS,
    VERB_KINDS,
    WHOLE_NUMBER,
    Draft,
    Target,
    join,
)
from callable_admin.forms import refuse_bidi_controls

E164 = RegexValidator(
    r"^\+[1-9][0-9]{5,14}\Z",
    "Enter a number as dialled in the account's country (01234 567890) or with its country "
    "code (+44 1234 567890).",
)
EXTENSION = RegexValidator(r"^[0-9]{1,10}\Z", "Enter 1 to 10 digits.")
SIP_URI = RegexValidator(r"^sips?:\S+\Z", "Enter a SIP URI starting sip: or sips:.")
HTTP_URL = URLValidator(
    schemes=["http", "https"], message="Enter a full http:// or https:// address."
)
FINISH_KEYS = [("", "None"), *((key, key) for key in "0123456789*#")]
REJECT_REASONS = [("", "Default"), ("busy", "Busy"), ("rejected", "Rejected")]
MISSING = {
    "number": "Enter the number to call.",
    "extension": "Enter the extension.",
    "device": "Choose a device.",
    "sip_uri": "Enter the SIP URI.",
}


ADDRESS_COUNTRY = "_address_country"  # put beside the account's fields by the builder's view


def region_for(account: dict) -> str:
    """The country a number typed without its code is read in: the account's address's, else
    its main number's, else PHONE_REGION."""
    return (
        phones.region_for_country(account.get(ADDRESS_COUNTRY))
        or phones.region_of(account.get("mbn"))
        or settings.PHONE_REGION
    )


def region_from_form(value: str) -> str:
    value = str(value or "").upper()
    return value if value in phonenumbers.SUPPORTED_REGIONS else settings.PHONE_REGION


def in_e164(draft: Draft, region: str) -> Draft:
    """The draft with each number typed as people dial it written as the API wants (E.164),
    read in `region`. What is not a number stays as typed, for the form to refuse by its field."""

    def written(text: str) -> str:
        return phones.e164(text, region) or text if text.strip() else text

    def target(typed: Target) -> Target:
        if typed.get("kind") == "phoneNumber" and "number" in typed:
            return {**typed, "number": written(typed["number"])}
        return typed

    draft.caller_id = written(draft.caller_id)
    draft.target = target(draft.target)
    for verb in draft.verbs:
        if "caller_id" in verb.fields:
            verb.fields["caller_id"] = written(verb.fields["caller_id"])
        verb.targets = [target(typed) for typed in verb.targets]
    return draft


class WholeNumberField(forms.IntegerField):
    """Digits only: exactly what the body builder sends as a JSON integer."""

    def to_python(self, value):
        if value not in self.empty_values and not WHOLE_NUMBER.fullmatch(str(value).strip()):
            raise ValidationError("Enter a whole number.", code="invalid")
        return super().to_python(value)


def _text(
    label: str,
    *,
    required: bool = False,
    validators=(),
    placeholder: str = "",
    help_text: str = "",
    max_length: int = 255,
    input_type: str = "text",
) -> forms.CharField:
    widget = forms.TextInput(
        attrs={"placeholder": placeholder, "autocomplete": "off", "spellcheck": "false"}
    )
    widget.input_type = input_type
    return forms.CharField(
        label=label,
        required=required,
        validators=list(validators),
        max_length=max_length,
        help_text=help_text,
        widget=widget,
    )


def _number(label: str, maximum: int) -> WholeNumberField:
    return WholeNumberField(
        label=label,
        required=False,
        min_value=1,
        max_value=maximum,
        help_text=f"1 to {maximum}",
        widget=forms.NumberInput(attrs={"min": 1, "max": maximum}),
    )


def _url(label: str, *, required: bool, placeholder: str = "https://") -> forms.CharField:
    return _text(
        label,
        required=required,
        validators=[HTTP_URL],
        placeholder=placeholder,
        max_length=2048,
        input_type="url",
    )


def _verb_fields(kind: str) -> dict[str, forms.Field]:
    if kind == "say":
        return {
            "text": forms.CharField(
                label="Text",
                max_length=20000,
                help_text="Spoken in turn, one line at a time.",
                error_messages={"required": "Say something: one line at least."},
                widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Your pizza is outside!"}),
            )
        }
    if kind == "play":
        return {
            "url": _url("Audio URL", required=True, placeholder="https://example.com/greeting.wav")
        }
    if kind == "redirect":
        return {
            "url": _url("Redirect to", required=True, placeholder="https://example.com/next-verbs")
        }
    if kind == "dial":
        return {
            "caller_id": _text(
                "Caller ID", validators=[E164], input_type="tel", help_text="Optional, E.164"
            ),
            "timeout": _number("Ring for (seconds)", 600),
            "time_limit": _number("Time limit (seconds)", 86400),
        }
    if kind == "gather":
        return {
            "num_digits": _number("Digits", 32),
            "timeout": _number("Wait (seconds)", 600),
            "finish_on_key": forms.ChoiceField(
                label="Finish key", choices=FINISH_KEYS, required=False
            ),
            "url": _url("Send digits to", required=False),
        }
    if kind == "reject":
        return {"reason": forms.ChoiceField(label="Reason", choices=REJECT_REASONS, required=False)}
    return {"reason": _text("Reason", placeholder="call-complete", help_text="Optional")}


def _device_label(device: dict) -> str:
    extension = f"ext {device['extension']}" if device.get("extension") else ""
    parts = (device.get("name") or "(no name)", extension, device.get("type"))
    return " · ".join(str(part) for part in parts if part)


@dataclass
class TargetGroup:
    """A target's fields: its kind, then each kind's own inputs (only the chosen one is used)."""

    prefix: str
    kind: forms.BoundField
    inputs: list[tuple[str, forms.BoundField]]


@dataclass
class VerbRow:
    index: int
    kind: str
    label: str
    kind_field: forms.BoundField
    fields: list[forms.BoundField]
    targets: list[TargetGroup]
    last: bool


class CallForm(forms.Form):
    caller_id = _text(
        "Caller ID",
        validators=[E164],
        input_type="tel",
        help_text="Blank: the account's main billing number.",
    )

    def __init__(self, draft: Draft, *, account: dict, devices: list[dict], bound: bool = False):
        values = join(draft)
        super().__init__(data=values if bound else None, initial=values)
        self.draft = draft
        self.device_choices = [("", "Choose a device…")] + [
            (device["id"], _device_label(device)) for device in devices
        ]
        mbn = str(account.get("mbn") or "")
        if mbn:
            # The API spells mbn without the plus; the field wants what would be presented.
            presented = phones.readable(mbn)
            self.fields["caller_id"].widget.attrs["placeholder"] = presented
            self.fields["caller_id"].help_text = f"Blank: the main billing number, {presented}."
        self._add_target("target")
        for row in range(len(draft.tags)):
            self.fields[f"tag_key_{row}"] = _text("Key", max_length=64, placeholder="key")
            self.fields[f"tag_value_{row}"] = _text("Value", max_length=1024, placeholder="value")
        for index, verb in enumerate(draft.verbs):
            self.fields[f"verb_{index}_kind"] = forms.ChoiceField(
                choices=list(VERB_KINDS.items()), widget=forms.HiddenInput
            )
            for name, field in _verb_fields(verb.kind).items():
                self.fields[f"verb_{index}_{name}"] = field
            for number in range(len(verb.targets)):
                self._add_target(f"verb_{index}_target_{number}")

    def _add_target(self, prefix: str) -> None:
        self.fields[f"{prefix}_kind"] = forms.ChoiceField(
            label="Call",
            choices=list(TARGET_KINDS.items()),
            widget=forms.Select(attrs={"class": "target-kind"}),
        )
        self.fields[f"{prefix}_number"] = _text(
            "Phone number", validators=[E164], placeholder="01234 567893", input_type="tel"
        )
        self.fields[f"{prefix}_extension"] = _text(
            "Extension", validators=[EXTENSION], placeholder="604", max_length=10
        )
        self.fields[f"{prefix}_override_to"] = _text(
            "Override to",
            validators=[EXTENSION],
            placeholder="201",
            max_length=10,
            help_text="Optional",
        )
        self.fields[f"{prefix}_device"] = forms.ChoiceField(
            label="Device", choices=self.device_choices, required=False
        )
        self.fields[f"{prefix}_sip_uri"] = _text(
            "SIP URI",
            validators=[SIP_URI],
            placeholder="sip:alice@pbx.example.net",
            max_length=2048,
        )

    # What the template walks

    def _target_group(self, prefix: str) -> TargetGroup:
        return TargetGroup(
            prefix,
            self[f"{prefix}_kind"],
            [
                (kind, self[f"{prefix}_{name}"])
                for kind, names in TARGET_FIELDS.items()
                for name in names
            ],
        )

    @property
    def target_group(self) -> TargetGroup:
        return self._target_group("target")

    @property
    def tag_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"tag_key_{row}"], self[f"tag_value_{row}"])
            for row in range(len(self.draft.tags))
        ]

    @property
    def verb_rows(self) -> list[VerbRow]:
        count = len(self.draft.verbs)
        return [
            VerbRow(
                index=index,
                kind=verb.kind,
                label=VERB_KINDS[verb.kind],
                kind_field=self[f"verb_{index}_kind"],
                fields=[self[f"verb_{index}_{name}"] for name in VERB_FIELDS[verb.kind]],
                targets=[
                    self._target_group(f"verb_{index}_target_{number}")
                    for number in range(len(verb.targets))
                ],
                last=index == count - 1,
            )
            for index, verb in enumerate(self.draft.verbs)
        ]

    # Rules the fields cannot check alone

    def _check_target(self, prefix: str, target: Target) -> None:
        kind = target.get("kind", "")
        for name in TARGET_FIELDS.get(kind, {}):
            field_name = f"{prefix}_{name}"
            if (
                name in MISSING
                and not self.cleaned_data.get(field_name)
                and field_name not in self.errors
            ):
                self.add_error(field_name, MISSING[name])

    def clean(self):
        cleaned = super().clean()
        refuse_bidi_controls(self, keep_stored=False)  # everything here is typed
        self._check_target("target", self.draft.target)
        seen: set[str] = set()
        for row, (key, value) in enumerate(self.draft.tags):
            key = key.strip()
            if value.strip() and not key:
                self.add_error(f"tag_key_{row}", "Name this tag.")
            elif key in seen:
                self.add_error(f"tag_key_{row}", "This key is already used above.")
            seen.add(key)
        if not self.draft.verbs:
            raise ValidationError("Add at least one verb: what happens when the call is answered.")
        for index, verb in enumerate(self.draft.verbs):
            if verb.kind == "say":
                lines = verb.fields.get("text", "").splitlines()
                if any(len(line.strip()) > 4096 for line in lines):
                    self.add_error(f"verb_{index}_text", "Keep each line under 4,096 characters.")
            if verb.kind == "dial" and not verb.targets:
                self.add_error(None, f"Verb {index + 1} (Dial) needs at least one target.")
            for number, target in enumerate(verb.targets):
                self._check_target(f"verb_{index}_target_{number}", target)
        return cleaned
