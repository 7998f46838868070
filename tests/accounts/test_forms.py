"""The forms keep stored values they do not offer, and say what they would send."""

import re

from django import forms

from callable_admin.accounts.conflicts import ABSENT
from callable_admin.accounts.countries import COUNTRIES_BY_CODE, COUNTRY_NAMES
from callable_admin.accounts.forms import AddressForm, HookForm, TrunkForm

TRUNK = {
    "id": "t1",
    "ip": "1.1.1.1",
    "port": 5060,
    "vendor": "generic",
    "callerFormat": "national",
    "calledFormat": "national",
    "description": "Primary",
    "zone": "eu-west-1",
    "countryCode": "GB",
}


def as_posted(form) -> dict:
    return {name: "" if value is None else str(value) for name, value in form.initial.items()}


def test_an_unknown_stored_number_format_is_kept_as_a_choice():
    stored = {**TRUNK, "callerFormat": "sip-uri"}
    form = TrunkForm(stored=stored)
    assert ("sip-uri", "sip-uri (current value)") in form.fields["callerFormat"].choices
    bound = TrunkForm(as_posted(form), stored=stored)
    assert bound.is_valid(), bound.errors
    assert bound.api_values()["callerFormat"] == "sip-uri"
    assert bound.changed_fields() == set()


def test_an_unknown_stored_hook_app_is_kept_as_a_choice():
    stored = {"app": "crm.salesforce", "url": "https://x.example/h", "priority": 1}
    form = HookForm(stored=stored)
    assert ("crm.salesforce", "crm.salesforce (current value)") in form.fields["app"].choices
    assert HookForm(as_posted(form), stored=stored).is_valid()


def test_a_value_not_stored_is_not_a_valid_choice():
    form = TrunkForm(
        {**as_posted(TrunkForm(stored=TRUNK)), "callerFormat": "sip-uri"}, stored=TRUNK
    )
    assert not form.is_valid() and "callerFormat" in form.errors


def test_blank_optional_choices_are_left_out_not_sent_empty():
    form = TrunkForm(
        {**as_posted(TrunkForm(stored=TRUNK)), "countryCode": "", "calledFormat": ""}, stored=TRUNK
    )
    assert form.is_valid(), form.errors
    values = form.api_values()
    assert values["countryCode"] is ABSENT and values["calledFormat"] is ABSENT
    assert values["description"] == "Primary" and values["port"] == 5060


def test_only_fields_the_user_changed_count_as_changed():
    form = TrunkForm({**as_posted(TrunkForm(stored=TRUNK)), "port": "5061"}, stored=TRUNK)
    assert form.is_valid() and form.changed_fields() == {"port"}


def test_the_country_list_uses_the_apis_names_and_every_iso_code():
    assert "United Kingdom" in COUNTRY_NAMES and "United States" in COUNTRY_NAMES
    assert len(COUNTRIES_BY_CODE) == 249 and COUNTRIES_BY_CODE["GB"] == "United Kingdom"
    assert COUNTRY_NAMES.index("Åland Islands") < COUNTRY_NAMES.index("Albania")


def test_readonly_values_show_labels_not_codes():
    readable = dict(TrunkForm(stored=TRUNK).readable())
    assert readable["Country"] == "GB · United Kingdom"
    assert readable["Caller number format"] == "National"
    assert dict(AddressForm(stored={}).readable())["Address line 2"] == "(empty)"


def test_long_selects_write_what_djangos_select_would():
    for form_class, name, value in [
        (AddressForm, "country", "United Kingdom"),
        (TrunkForm, "countryCode", "GB"),
    ]:
        form = form_class(stored={name: value})
        quick = str(form[name])
        form.fields[name].widget = forms.Select(choices=form.fields[name].choices)
        plain = str(form[name])
        assert _options(quick) == _options(plain) and len(_options(quick)) > 200
        assert f'<option value="{value}" selected>' in quick
        assert _select_attributes(quick) == _select_attributes(plain)


def _options(markup: str) -> list[str]:
    return re.findall(r"<option[^>]*>[^<]*</option>", re.sub(r">\s+<", "><", markup))


def _select_attributes(markup: str) -> list[str]:
    return sorted(re.match(r"<select([^>]*)>", markup).group(1).split())


def test_a_kept_country_stays_with_its_own_form_though_the_options_are_shared():
    address = {"line1": "1 High St", "country": "Atlantis"}
    odd = AddressForm(stored=address)
    plain = AddressForm(stored={**address, "country": COUNTRY_NAMES[0]})
    assert ("Atlantis", "Atlantis (current value)") in odd.fields["country"].choices
    assert "Atlantis" in odd["country"].as_widget()
    assert all(key != "Atlantis" for key, _ in plain.fields["country"].choices)
    assert "Atlantis" not in plain["country"].as_widget()
    assert all(key != "Atlantis" for key, _ in AddressForm.base_fields["country"].choices)
    again = AddressForm(stored={**address, "country": COUNTRY_NAMES[0]})
    assert "Atlantis" not in again["country"].as_widget()
    trunk = TrunkForm(stored={**TRUNK, "countryCode": "QQ"})
    assert ("QQ", "QQ (current value)") in trunk.fields["countryCode"].choices
    assert "QQ" not in TrunkForm(stored=TRUNK)["countryCode"].as_widget()
