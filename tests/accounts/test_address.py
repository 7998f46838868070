"""/accounts/<id>/address/: the six fields, saved whole, never over a colleague's change."""

import time

import pytest

from callable_admin.audit.models import AuditEntry
from tests.accounts.pages import form_fields
from tests.conftest import DARREN

pytestmark = pytest.mark.django_db

URL = f"/accounts/{DARREN}/address/"
API = f"/api/v1/account/{DARREN}/address"


def stored(sandbox) -> dict:
    return sandbox.api("GET", API, sandbox.token()).json()


def put_directly(sandbox, **changes) -> None:
    """Someone else changes the address, straight through the API."""
    response = sandbox.api("PUT", API, sandbox.token(), json={**stored(sandbox), **changes})
    assert response.status_code == 204, response.text


def edit_form(client) -> dict:
    response = client.get(URL)
    assert response.status_code == 200
    return form_fields(response)


def test_the_form_shows_the_six_fields_with_their_values(demo_client):
    fields = edit_form(demo_client)
    assert {k: v for k, v in fields.items() if k != "original"} == {
        "line1": "Unit 5 The Old Printworks",
        "line2": "20 Wharf Rd",
        "level2": "Eastbourne",
        "level1": "East Sussex",
        "postalCode": "BN213AW",
        "country": "United Kingdom",
    }
    assert fields["original"]


def test_saving_sends_the_whole_address_back_and_says_so(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.clear_log()
    response = demo_client.post(URL, {**fields, "line2": "22 Wharf Road"}, follow=True)
    assert response.status_code == 200
    assert "Address saved." in response.content.decode()
    assert form_fields(response)["line2"] == "22 Wharf Road"  # the saved values, shown
    put = sandbox.requests(path="/address$", method="PUT")
    assert len(put) == 1
    assert put[0]["body"] == {
        "line1": "Unit 5 The Old Printworks",
        "line2": "22 Wharf Road",
        "level1": "East Sussex",
        "level2": "Eastbourne",
        "postalCode": "BN213AW",
        "country": "United Kingdom",
    }


def test_fields_the_form_does_not_show_are_sent_back_exactly(demo_client, sandbox):
    put_directly(sandbox, geo={"lat": 50.77, "lng": 0.28}, uprn="100060000000", line3=None)
    fields = edit_form(demo_client)
    demo_client.post(URL, {**fields, "level2": "Eastbourne Town"})
    after = stored(sandbox)
    assert after["level2"] == "Eastbourne Town"
    assert after["geo"] == {"lat": 50.77, "lng": 0.28}
    assert after["uprn"] == "100060000000" and "line3" in after and after["line3"] is None


def test_unknown_fields_are_shown_as_kept(demo_client, sandbox):
    put_directly(sandbox, uprn="100060000000")
    page = demo_client.get(URL).content.decode()
    assert "Other fields" in page and "uprn" in page and "100060000000" in page


def test_missing_line1_is_a_400_with_the_error_by_the_field_and_no_upstream_call(
    demo_client, sandbox
):
    fields = edit_form(demo_client)
    sandbox.clear_log()
    response = demo_client.post(URL, {**fields, "line1": "   ", "line2": "typed, and kept"})
    assert response.status_code == 400
    assert sandbox.api_requests() == []
    page = response.content.decode()
    assert 'class="field invalid wide"' in page and "This field is required." in page
    assert form_fields(response)["line2"] == "typed, and kept"
    assert "Darren&#x27;s Pizzas" in page  # the heading, without asking the upstream


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("line1", "x" * 201, "at most 200 characters"),
        ("level2", "x" * 101, "at most 100 characters"),
        ("postalCode", "BN21 3AW; DROP TABLE", "letters, digits, spaces and hyphens"),
        ("postalCode", "!", "letters, digits, spaces and hyphens"),
        ("country", "Atlantis", "Select a valid choice"),
        ("country", "", "This field is required"),
        ("line2", "line\nbreak", "control characters"),
        ("level1", "nul\x00byte", "Null characters are not allowed"),
    ],
)
def test_bad_input_is_refused_by_the_field_before_any_upstream_call(
    demo_client, sandbox, field, value, message
):
    fields = edit_form(demo_client)
    sandbox.clear_log()
    response = demo_client.post(URL, {**fields, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert sandbox.api_requests() == []


def test_hostile_text_is_saved_as_text_and_shown_escaped(demo_client, sandbox):
    fields = edit_form(demo_client)
    hostile = '<img src=x onerror=alert(1)> "quoted" & Sons'
    demo_client.post(URL, {**fields, "line2": hostile})
    assert stored(sandbox)["line2"] == hostile
    page = demo_client.get(URL).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_stored_country_not_in_the_list_is_kept_and_shown(demo_client, sandbox):
    put_directly(sandbox, country="Republic of Ruritania")
    page = demo_client.get(URL).content.decode()
    assert (
        '<option value="Republic of Ruritania" selected>Republic of Ruritania (current value)'
        in page
    )
    demo_client.post(URL, {**edit_form(demo_client), "line2": "Unit 6"})
    assert stored(sandbox)["country"] == "Republic of Ruritania"
    assert stored(sandbox)["line2"] == "Unit 6"


def test_a_stored_postal_code_that_fails_the_light_check_does_not_block_a_save(
    demo_client, sandbox
):
    put_directly(sandbox, postalCode="N/A")
    response = demo_client.post(URL, {**edit_form(demo_client), "line2": "Unit 7"})
    assert response.status_code == 302
    assert stored(sandbox)["postalCode"] == "N/A" and stored(sandbox)["line2"] == "Unit 7"


def test_the_country_can_be_changed_to_one_from_the_list(demo_client, sandbox):
    demo_client.post(URL, {**edit_form(demo_client), "country": "Ireland"})
    assert stored(sandbox)["country"] == "Ireland"


def test_an_upstream_refusal_naming_no_field_is_shown_atop_the_form_with_input_kept(
    demo_client, sandbox
):
    fields = edit_form(demo_client)
    sandbox.faults(fail_next=1, fail_status=422, method="PUT", path="/address$")
    response = demo_client.post(URL, {**fields, "line2": "kept after refusal"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The Callable API refused this" in page and "Injected fault: HTTP 422" in page
    assert form_fields(response)["line2"] == "kept after refusal"


def test_upstream_field_errors_land_by_their_fields(demo_client, sandbox, monkeypatch):
    from callable_admin.api.client import CallableAPI
    from callable_admin.api.errors import UpstreamRejected

    def refuse(self, account_id, address):
        raise UpstreamRejected(
            "Validation failed", field_errors={"postalCode": ["is not a postcode in East Sussex"]}
        )

    monkeypatch.setattr(CallableAPI, "put_address", refuse)
    fields = edit_form(demo_client)
    response = demo_client.post(URL, {**fields, "postalCode": "BN99 9ZZ"})
    assert response.status_code == 400
    page = response.content.decode()
    field_html = page.split('for="id_postalCode"')[1].split("</div>")[0]
    assert "is not a postcode in East Sussex" in field_html
    assert form_fields(response)["postalCode"] == "BN99 9ZZ"


def test_an_upstream_failure_mid_save_keeps_everything_typed(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.faults(fail_next=1, fail_status=500, method="PUT", path="/address$")
    typed = {**fields, "line1": "Unit 9", "line2": "New Wharf", "postalCode": "BN21 1AA"}
    response = demo_client.post(URL, typed)
    assert response.status_code == 502
    page = response.content.decode()
    assert "nothing was saved" in page
    assert form_fields(response) == typed
    assert stored(sandbox)["line1"] == "Unit 5 The Old Printworks"


def test_a_timeout_mid_save_is_a_504_with_input_kept_and_a_retry_is_safe(
    demo_client, sandbox, settings
):
    settings.CALLABLE_API_TIMEOUT = 0.5
    fields = edit_form(demo_client)
    sandbox.faults(hang_next=1, hang_seconds=1, method="PUT", path="/address$")
    typed = {**fields, "line2": "waiting"}
    response = demo_client.post(URL, typed)
    assert response.status_code == 504
    assert "did not answer in time" in response.content.decode()
    assert form_fields(response) == typed
    # The slow upstream applies the write after all (the sandbox logs it once it has).
    deadline = time.monotonic() + 10
    while not sandbox.requests(path="/address$", method="PUT"):
        assert time.monotonic() < deadline, "the hung write never landed"
    # Sending the kept input again finds the value already there: no conflict, nothing lost.
    again = demo_client.post(URL, typed, follow=True)
    assert again.status_code == 200 and "Nothing to save" in again.content.decode()
    assert stored(sandbox)["line2"] == "waiting"


def test_a_colleagues_change_to_another_field_is_kept(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, level1="Sussex")  # they change the county
    response = demo_client.post(URL, {**fields, "line2": "21 Wharf Rd"})  # I change line 2
    assert response.status_code == 302
    after = stored(sandbox)
    assert after["level1"] == "Sussex" and after["line2"] == "21 Wharf Rd"


def test_a_field_we_both_changed_is_a_conflict_to_settle_not_an_overwrite(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, line2="Theirs Road", level1="Sussex")
    sandbox.clear_log()
    response = demo_client.post(URL, {**fields, "line2": "Mine Street", "level2": "Hampden Park"})
    assert response.status_code == 409
    assert sandbox.requests(method="PUT") == []  # nothing overwritten
    page = response.content.decode()
    assert "Someone else changed this address" in page
    assert 'value="Mine Street"' in page and 'value="Theirs Road"' in page
    assert stored(sandbox)["line2"] == "Theirs Road"

    # The conflict page is itself the form: pick mine for line 2, and save.
    choice = form_fields(response)
    assert choice["level2"] == "Hampden Park" and choice["level1"] == "Sussex"
    response = demo_client.post(URL, {**choice, "line2": "Mine Street"})
    assert response.status_code == 302
    after = stored(sandbox)
    assert after["line2"] == "Mine Street"  # my choice
    assert after["level2"] == "Hampden Park"  # my other change
    assert after["level1"] == "Sussex"  # their other change


def test_choosing_their_value_keeps_it(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, line2="Theirs Road")
    conflict = demo_client.post(URL, {**fields, "line2": "Mine Street"})
    assert conflict.status_code == 409
    demo_client.post(URL, {**form_fields(conflict), "line2": "Theirs Road"})
    assert stored(sandbox)["line2"] == "Theirs Road"


def test_a_conflict_must_be_settled_by_choosing(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, line2="Theirs Road")
    conflict = demo_client.post(URL, {**fields, "line2": "Mine Street"})
    unchosen = form_fields(conflict)
    assert "line2" not in unchosen  # neither radio is picked for the user
    sandbox.clear_log()
    response = demo_client.post(URL, unchosen)
    assert (
        response.status_code == 400 and "Choose your value or theirs." in response.content.decode()
    )
    assert sandbox.api_requests() == []


def test_the_same_change_made_by_both_is_no_conflict(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, line2="Same Road")
    assert demo_client.post(URL, {**fields, "line2": "Same Road"}).status_code == 302


def test_a_forged_original_cannot_hide_a_colleagues_change(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, line2="Theirs Road")
    response = demo_client.post(
        URL, {**fields, "original": fields["original"] + "x", "line2": "Mine Street"}
    )
    assert response.status_code == 409
    assert stored(sandbox)["line2"] == "Theirs Road"


def test_saving_unchanged_values_writes_nothing(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.clear_log()
    response = demo_client.post(URL, fields, follow=True)
    assert "Nothing to save" in response.content.decode()
    assert sandbox.requests(method="PUT") == []
    assert not AuditEntry.objects.exists()


def test_a_save_is_audited_with_the_fields_changed(demo_client, sandbox):
    demo_client.post(URL, {**edit_form(demo_client), "line2": "22 Wharf Road"})
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.account_id, entry.object_kind, entry.action, entry.outcome) == (
        "demo",
        DARREN,
        "address",
        "update",
        "applied",
    )
    assert entry.changes == {"line2": {"before": "20 Wharf Rd", "after": "22 Wharf Road"}}


def test_support_staff_see_the_address_read_only(support_client):
    page = support_client.get(URL).content.decode()
    assert "Unit 5 The Old Printworks" in page
    assert '<form method="post" class="object-form"' not in page
    assert 'name="original"' not in page


def test_support_staff_get_403_on_save_before_any_upstream_call(support_client, sandbox):
    response = support_client.post(URL, {"line1": "Hijacked", "country": "France"})
    assert response.status_code == 403
    assert sandbox.api_requests() == []
    assert not AuditEntry.objects.exists()
