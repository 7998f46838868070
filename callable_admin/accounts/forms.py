"""Forms over the upstream's address, trunk and hook objects. Field names are the API's JSON
field names; a stored value the form does not offer (an unknown format, a country name not in
the list) is kept as a choice rather than silently replaced."""

import copy
import html
import ipaddress
import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe

from callable_admin.accounts.conflicts import ABSENT
from callable_admin.accounts.countries import COUNTRIES_BY_CODE, COUNTRY_NAMES
from callable_admin.forms import refuse_bidi_controls
from callable_admin.masking import masked
from callable_admin.signin import kept

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
POSTAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,10}[A-Za-z0-9]")
NUMBER_FORMATS = [("national", "National"), ("international", "International"), ("e164", "E.164")]
HOOK_APPS = [
    ("flow.generic", "Flow hook (flow.generic): a third party steers the flow"),
    ("event.generic", "Event hook (event.generic): receives call events"),
]
# Basic, Bearer and HMAC need a credential the API gives no field for: not offered here. A hook
# that already has one shows it and keeps it (`UpstreamObjectForm.allow`).
HOOK_AUTH_TYPES = [("DISABLED", "None (DISABLED)")]
AUTH_TYPE_NAMES = {"BASIC": "Basic", "BEARER": "Bearer token", "HMAC": "Signed (HMAC)"}
HOOK_METHODS = [("POST", "POST"), ("PUT", "PUT"), ("GET", "GET")]
MAX_URL_LENGTH = 2048


class LongSelect(forms.Select):
    """A select of hundreds of options (countries), written out in plain Python: Django renders
    each option through its own template include and attribute dicts, which made the address
    page cost tens of ms of CPU. Flat choices only, one selected, like Django's Select."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = text in chosen
            chosen.discard(text)  # only the first option with the value, as Django does
            # the standard library's escape, which Django's wraps (lazy-string checks per call)
            options.append(
                f'<option value="{html.escape(text)}"{" selected" if selected else ""}>'
                f"{html.escape(str(label))}</option>"
            )
        start = f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>'
        return mark_safe(start + "".join(options) + "</select>")  # every part escaped above

    def __deepcopy__(self, memo):
        # Each form copies its fields; Django's copy re-reads every option (a few ms for the
        # countries). The options are shared: they are replaced whole, never changed in place.
        widget = copy.copy(self)
        widget.attrs = self.attrs.copy()
        memo[id(self)] = widget
        return widget


class LongChoiceField(forms.ChoiceField):
    """A choice of hundreds (countries), shown with `LongSelect`, its options shared by every
    form rather than copied into each (`allow` replaces them whole, never in place)."""

    widget = LongSelect

    def __deepcopy__(self, memo):
        memo[id(self._choices)] = self._choices
        return super().__deepcopy__(memo)


def no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("Remove the control characters (tabs, line breaks…).")


def check_http_url(value: str) -> None:
    if len(value) > MAX_URL_LENGTH:
        raise ValidationError(f"Use at most {MAX_URL_LENGTH:,} characters.")
    if any(ch.isspace() for ch in value) or CONTROL_CHARACTERS.search(value):
        raise ValidationError("A URL cannot contain spaces.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise ValidationError("Enter a valid URL.") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Enter an absolute http:// or https:// URL, e.g. https://example.com/hook."
        )


def check_ip_address(value: str) -> None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError as exc:
        raise ValidationError(
            "Enter an IPv4 address (203.0.113.5) or an IPv6 address (2001:db8::5)."
        ) from exc
    why = unreachable(address)
    if why:
        raise ValidationError(
            f"{value} is {why}: Callable, in the cloud, cannot reach it. "
            "Enter the public address of the PBX."
        )


# Addresses that only mean something inside one network; what the sandbox refuses too.
PRIVATE_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def unreachable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a cloud platform cannot reach `address`, or None if it can."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_unspecified or address in ipaddress.ip_network("0.0.0.0/8"):
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address (this machine only)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if any(address.version == n.version and address in n for n in PRIVATE_NETWORKS):
        return "a private address"
    return None


def text_field(label: str, max_length: int, *, required: bool = False, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[no_control_characters],
        **kwargs,
    )


class UpstreamObjectForm(forms.Form):
    """A form over one upstream object. `stored` is the object as it was when the form was first
    shown (its values are the form's initial values and stay valid choices); `original` carries
    that, signed, from one request to the next."""

    original = forms.CharField(widget=forms.HiddenInput, required=False)
    # Fields left out of the object when blank (an empty string is not a valid value for them).
    leave_out_when_blank: frozenset[str] = frozenset()
    # Fields given a whole row of the form.
    wide_fields: frozenset[str] = frozenset()
    # Whether the object must differ from the account's others (see `check_siblings`).
    checks_siblings = False

    def __init__(self, data=None, *, stored: dict | None = None, **kwargs):
        if data is None:
            data = kept.take()  # what a POST carried when its session had ended, for review
        stored = stored or {}
        # credentials shown masked, here and in the signed original; a save puts them back
        initial = {
            name: masked(name, stored[name])
            for name in self.api_field_names()
            if stored.get(name) is not None
        }
        super().__init__(data, initial={**initial, **kwargs.pop("initial", {})}, **kwargs)
        self.conflicts: dict = {}
        self.allow(stored)

    @classmethod
    def api_field_names(cls) -> list[str]:
        return [name for name in cls.base_fields if name != "original"]

    def allow(self, stored: dict) -> None:
        """Keep each stored value that is not one of a choice field's options as an option."""
        for name in self.api_field_names():
            field = self.fields[name]
            value = stored.get(name)
            if not isinstance(field, forms.ChoiceField) or value is None or value == "":
                continue
            if str(value) not in {str(key) for key, _ in field.choices}:
                field.choices = [*field.choices, (str(value), self.kept_label(name, value))]

    def kept_label(self, name: str, value: object) -> str:
        return f"{value} (current value)"

    def values(self) -> dict:
        """The object's fields as the form holds them now, for the signed original."""
        return {name: self.initial[name] for name in self.api_field_names() if name in self.initial}

    def api_values(self) -> dict:
        """What the user submitted, as the API's JSON values (ABSENT: leave the field out)."""
        values = {}
        for name in self.api_field_names():
            value = self.cleaned_data.get(name)
            if value is None or (value == "" and name in self.leave_out_when_blank):
                value = ABSENT
            values[name] = value
        return values

    def check_siblings(self, siblings: list[dict]) -> None:
        """Add errors where this object clashes with another of the account's."""

    def clean(self):
        cleaned = super().clean()
        refuse_bidi_controls(self)
        return cleaned

    def changed_fields(self) -> set[str]:
        return set(self.changed_data) - {"original"}

    def display(self, name: str, value: object) -> str:
        """A value of field `name` as a person reads it (an option's label for a choice)."""
        if value is ABSENT or value is None or value == "":
            return "(empty)"
        field = self.fields[name]
        if isinstance(field, forms.ChoiceField):
            labels = {str(key): label for key, label in field.choices}
            return str(labels.get(str(value), value))
        return str(value)

    def readable(self) -> list[tuple[str, str]]:
        """(label, value) of each field as stored, for those who may look but not change."""
        return [
            (self.fields[name].label, self.display(name, masked(name, self.initial.get(name))))
            for name in self.api_field_names()
        ]

    @property
    def layout(self):
        """(bound field, conflict or None) for each field shown, in order."""
        return [(field, self.conflicts.get(field.name)) for field in self.visible_fields()]


def _keep_untouched(form: forms.Form, name: str, value: str) -> bool:
    # A light check applies to what the user types, not to a stored value left as it was.
    return value == str(form.initial.get(name, ""))


class AddressForm(UpstreamObjectForm):
    line1 = text_field("Address line 1", 200, required=True)
    line2 = text_field("Address line 2", 200)
    level2 = text_field("Town or city", 100)
    level1 = text_field("County, state or region", 100)
    postalCode = text_field("Postal code", 20)
    country = LongChoiceField(
        label="Country",
        choices=[("", "Choose a country…")] + [(name, name) for name in COUNTRY_NAMES],
    )
    wide_fields = frozenset({"line1", "line2"})

    def clean_postalCode(self) -> str:
        value = self.cleaned_data["postalCode"]
        if (
            value
            and not _keep_untouched(self, "postalCode", value)
            and not POSTAL_CODE.fullmatch(value)
        ):
            raise ValidationError(
                "Use letters, digits, spaces and hyphens only, 2 to 12 characters (e.g. BN21 3AW)."
            )
        return value


def _zone_choices() -> list[tuple[str, str]]:
    return [("", "Choose a zone…")] + [(zone, zone) for zone in settings.TRUNK_ZONES]


class TrunkForm(UpstreamObjectForm):
    ip = text_field(
        "IP address", 64, required=True, help_text="The public address of the PBX, IPv4 or IPv6."
    )
    port = forms.IntegerField(
        label="Port", min_value=1, max_value=65535, help_text="SIP port, usually 5060."
    )
    description = text_field("Description", 255)
    vendor = text_field("Vendor", 64, help_text="The PBX maker, e.g. generic, cisco, 3cx.")
    callerFormat = forms.ChoiceField(
        label="Caller number format", required=False, choices=[("", "Not set"), *NUMBER_FORMATS]
    )
    calledFormat = forms.ChoiceField(
        label="Called number format", required=False, choices=[("", "Not set"), *NUMBER_FORMATS]
    )
    countryCode = LongChoiceField(
        label="Country",
        required=False,
        choices=[("", "Not set")]
        + [(code, f"{code} · {name}") for code, name in sorted(COUNTRIES_BY_CODE.items())],
        help_text="ISO 3166-1 country code the numbers are read in.",
    )
    zone = forms.ChoiceField(
        label="Zone", choices=_zone_choices, help_text="Where the PBX connects to Callable."
    )
    leave_out_when_blank = frozenset({"callerFormat", "calledFormat", "countryCode"})
    wide_fields = frozenset({"description"})

    checks_siblings = True

    def clean_ip(self) -> str:
        value = self.cleaned_data["ip"]
        if not _keep_untouched(self, "ip", value):
            check_ip_address(value)
        return value

    def check_siblings(self, siblings: list[dict]) -> None:
        ip, port = self.cleaned_data.get("ip"), self.cleaned_data.get("port")
        if not ip or port is None:
            return
        for trunk in siblings:
            if _same_address(trunk.get("ip"), ip) and str(trunk.get("port")) == str(port):
                other = trunk.get("description") or "another trunk"
                self.add_error(
                    "ip", f"{ip}:{port} is already the address of {other} on this account."
                )
                return


def _same_address(stored: object, typed: str) -> bool:
    try:
        return ipaddress.ip_address(str(stored)) == ipaddress.ip_address(typed)
    except ValueError:
        return str(stored) == typed


class HookForm(UpstreamObjectForm):
    app = forms.ChoiceField(label="Hook type", choices=HOOK_APPS)
    url = forms.CharField(
        label="URL",
        max_length=MAX_URL_LENGTH,
        validators=[check_http_url],
        help_text="Absolute http:// or https:// address the upstream calls.",
    )
    method = forms.ChoiceField(
        label="HTTP method", required=False, choices=[("", "Not set"), *HOOK_METHODS]
    )
    authType = forms.ChoiceField(
        label="Authentication",
        required=False,
        choices=[("", "Not set"), *HOOK_AUTH_TYPES],
        help_text="Credentials cannot be set here; a hook configured with one keeps it.",
    )
    priority = forms.IntegerField(
        label="Priority",
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="A whole number, e.g. 10.",
    )
    leave_out_when_blank = frozenset({"method", "authType"})
    wide_fields = frozenset({"url", "app"})

    def kept_label(self, name: str, value: object) -> str:
        if name == "authType" and str(value) in AUTH_TYPE_NAMES:
            return f"{AUTH_TYPE_NAMES[str(value)]} ({value}), as configured elsewhere: kept"
        return super().kept_label(name, value)
