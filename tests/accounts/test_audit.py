"""/audit/: every write attempted through the dashboard, for admins, newest first."""

import csv
import io

import pytest

from callable_admin.audit.models import AuditEntry
from callable_admin.signin.models import TokenGrant
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DARREN_HOOK_EVENT, DARREN_TRUNK, DEAN

pytestmark = pytest.mark.django_db

ADDRESS = f"/accounts/{DARREN}/address/"
TRUNK = f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/"
HOOK = f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/"


def change_address(client, **changes):
    return client.post(ADDRESS, {**form_fields(client.get(ADDRESS)), **changes})


def rows(response) -> list[dict]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


def table(response) -> str:
    """The entries shown, without the filter choices above them."""
    page = response.content.decode()
    return page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""


def entry(**fields) -> AuditEntry:
    defaults = {
        "username": "demo",
        "organisation_id": "3h74872eb0731b38efa4d556",
        "account_id": DARREN,
        "object_kind": "trunk",
        "action": "update",
        "outcome": "applied",
    }
    return AuditEntry.objects.create(**{**defaults, **fields})


def test_an_applied_change_is_recorded_with_who_what_and_before_after(demo_client, sandbox):
    change_address(demo_client, level2="Polegate")
    page = demo_client.get("/audit/").content.decode()
    assert "demo" in page and "Darren&#x27;s Pizzas" in page and "address" in page
    assert "<del>Eastbourne</del> → <ins>Polegate</ins>" in page
    assert 'badge ok">applied' in page


def test_a_refusal_is_recorded_with_the_upstreams_message(demo_client, sandbox):
    demo_client.post(f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/delete/")
    recorded = AuditEntry.objects.get()
    assert (recorded.action, recorded.object_kind, recorded.object_id, recorded.outcome) == (
        "delete",
        "trunk",
        DARREN_TRUNK,
        "refused",
    )
    assert "used by device(s) 'Primary GW'" in recorded.message
    page = demo_client.get("/audit/").content.decode()
    assert 'badge warn">refused' in page and "used by device(s)" in page


def test_a_failure_mid_save_is_recorded_as_failed(demo_client, sandbox):
    fields = form_fields(demo_client.get(TRUNK))
    sandbox.faults(fail_next=1, fail_status=500, method="PUT")
    demo_client.post(TRUNK, {**fields, "port": "5099"})
    recorded = AuditEntry.objects.get()
    assert recorded.outcome == "failed" and recorded.changes == {
        "port": {"before": 5060, "after": 5099}
    }


def test_a_create_records_the_new_objects_id(demo_client, sandbox):
    sandbox.config(created="location")
    new = f"/accounts/{DARREN}/hooks/new/"
    response = demo_client.post(
        new, {**form_fields(demo_client.get(new)), "url": "https://hooks.example/new"}
    )
    recorded = AuditEntry.objects.get()
    assert recorded.action == "create" and recorded.object_id
    assert response["Location"].endswith(f"/hooks/{recorded.object_id}/")
    assert recorded.changes["url"] == {"before": None, "after": "https://hooks.example/new"}


def test_entries_are_newest_first(demo_client, sandbox):
    change_address(demo_client, level2="First")
    change_address(demo_client, level2="Second")
    page = demo_client.get("/audit/").content.decode()
    assert page.index("<ins>Second</ins>") < page.index("<ins>First</ins>")


def test_it_filters_by_account_and_by_user(demo_client, sandbox):
    entry(account_id=DARREN, username="alice", object_id="darren-object")
    entry(account_id=DEAN, username="alice", object_id="dean-object")
    entry(account_id=DEAN, username="bob", object_id="bobs-object")
    by_account = table(demo_client.get("/audit/", {"account": DEAN}))
    assert "dean-object" in by_account and "bobs-object" in by_account
    assert "darren-object" not in by_account
    response = demo_client.get("/audit/", {"account": DEAN, "user": "alice"})
    by_both = table(response)
    assert "dean-object" in by_both and "bobs-object" not in by_both
    assert (
        f'<option value="{DEAN}" selected>Dean&#x27;s Taxis</option>' in response.content.decode()
    )


def test_another_organisations_entries_never_show(demo_client):
    entry(organisation_id="4f1e9b2c7a6d5e4f3a2b1c0d", object_id="northwind-secret-trunk")
    assert "northwind-secret-trunk" not in demo_client.get("/audit/").content.decode()
    assert "northwind-secret-trunk" not in demo_client.get("/audit/export.csv").content.decode()


def test_it_paginates_fifty_a_page(demo_client):
    for number in range(55):
        entry(object_id=f"object-{number:02}")
    first = table(demo_client.get("/audit/"))
    second_page = demo_client.get("/audit/", {"page": 2})
    second = table(second_page) + second_page.content.decode().split("</tbody>")[-1]
    assert "object-54" in first and "object-05" in first and "object-04" not in first
    assert "object-04" in second and "Page 2 of 2" in second


def test_the_csv_download_is_an_attachment_with_every_matching_entry(demo_client, sandbox):
    change_address(demo_client, level2="Polegate")
    entry(account_id=DEAN, object_id="dean-object")
    response = demo_client.get("/audit/export.csv", {"account": DARREN})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    [row] = rows(response)
    assert row["user"] == "demo" and row["account"] == DARREN and row["object kind"] == "address"
    assert row["changes"] == "level2: Eastbourne → Polegate" and row["outcome"] == "applied"
    assert len(rows(demo_client.get("/audit/", {"format": "csv"}))) == 2


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_csv_cells_never_start_a_formula(demo_client, dangerous):
    entry(message=dangerous, username=dangerous)
    [row] = rows(demo_client.get("/audit/export.csv"))
    assert row["message"] == "'" + dangerous and row["user"] == "'" + dangerous


def test_no_secret_or_token_reaches_the_log(demo_client, sandbox):
    token = sandbox.token()
    hook = sandbox.api("GET", f"/api/v1/account/{DARREN}/hook/{DARREN_HOOK_EVENT}", token).json()
    sandbox.api(
        "PUT",
        f"/api/v1/account/{DARREN}/hook/{DARREN_HOOK_EVENT}",
        token,
        json={**hook, "authToken": "old-secret-1"},
    )
    fields = form_fields(demo_client.get(HOOK))
    demo_client.post(HOOK, {**fields, "url": "https://bob:hunter2@hooks.example/x?token=tok-3&a=1"})
    grant = TokenGrant.objects.get()
    exported = demo_client.get("/audit/export.csv").content.decode()
    page = demo_client.get("/audit/").content.decode()
    recorded = str(AuditEntry.objects.get().changes)
    for secret in ("hunter2", "tok-3", "old-secret-1", grant.access_token, grant.refresh_token):
        assert secret not in exported and secret not in page and secret not in recorded
    assert "https://bob:•••@hooks.example/x?token=•••&amp;a=1" in page


def test_support_staff_read_the_log_and_its_csv(support_client, sandbox):
    entry(object_id="seen-by-support", object_name="Office PBX")
    response = support_client.get("/audit/")
    assert response.status_code == 200
    assert "trunk Office PBX" in table(response)
    assert "Audit log" in response.content.decode()
    csv_rows = rows(support_client.get("/audit/export.csv"))
    assert [row["object id"] for row in csv_rows] == ["seen-by-support"]


def test_the_log_stands_when_the_upstream_is_down(demo_client, settings):
    entry(object_id="still-visible")
    settings.CALLABLE_API_URL = "http://127.0.0.1:9"
    response = demo_client.get("/audit/")
    assert response.status_code == 200 and "still-visible" in response.content.decode()


def test_each_objects_page_links_to_its_history(support_client):
    trunk_page = support_client.get(TRUNK).content.decode()
    assert (
        f'href="/audit/?account={DARREN}&amp;object={DARREN_TRUNK}" class="history">History</a>'
        in trunk_page
    )
    hook_page = support_client.get(HOOK).content.decode()
    assert (
        f'href="/audit/?account={DARREN}&amp;object={DARREN_HOOK_EVENT}" class="history">History</a>'
        in hook_page
    )
    address_page = support_client.get(ADDRESS).content.decode()
    assert f'href="/audit/?account={DARREN}&amp;object=address">History</a>' in address_page


def test_it_filters_by_object_and_names_objects_rather_than_ids(demo_client, sandbox):
    change_address(demo_client, level2="Polegate")
    entry(object_id=DARREN_TRUNK, object_name="Primary IP Address")
    entry(object_kind="device", object_id="dev-1", object_name="Main menu")
    history = demo_client.get("/audit/", {"account": DARREN, "object": DARREN_TRUNK})
    assert "trunk Primary IP Address" in table(history)
    assert "address" not in table(history) and "Main menu" not in table(history)
    addresses = table(demo_client.get("/audit/", {"object": "address"}))
    assert "Polegate" in addresses and "Primary IP Address" not in addresses
    page = history.content.decode()
    assert f'<option value="{DARREN_TRUNK}" selected>trunk Primary IP Address</option>' in page
    assert '<option value="dev-1">device Main menu</option>' in page


def test_a_change_through_the_dashboard_records_the_objects_name(demo_client, sandbox):
    edit = form_fields(demo_client.get(TRUNK))
    demo_client.post(TRUNK, {**edit, "port": "5062"})
    recorded = AuditEntry.objects.get()
    assert recorded.object_name == "Primary IP Address"


def test_it_filters_by_date(demo_client):
    old = entry(object_id="last-year")
    AuditEntry.objects.filter(pk=old.pk).update(at="2025-03-01T12:00:00Z")
    entry(object_id="recent")
    march = table(demo_client.get("/audit/", {"since": "2025-03-01", "until": "2025-03-01"}))
    assert "last-year" in march and "recent" not in march
    since = table(demo_client.get("/audit/", {"since": "2025-03-02"}))
    assert "recent" in since and "last-year" not in since


def test_a_date_that_is_not_one_is_said_by_its_field_and_not_applied(demo_client):
    entry(object_id="still-listed")
    response = demo_client.get("/audit/", {"since": "31/02/2025", "user": "demo"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="f-since-error"' in page and 'value="31/02/2025"' in page
    assert "still-listed" in table(response)  # the user filter still applies, the date does not
    backwards = demo_client.get("/audit/", {"since": "2025-05-01", "until": "2025-04-01"})
    assert "on or after the first day" in backwards.content.decode()


def test_upstream_messages_that_name_objects_by_id_show_their_names(demo_client):
    entry(
        object_kind="device",
        object_id="7aa48c2a-aa01-488b-abfb-4eabce3ce9f8",
        object_name="Primary GW",
    )
    entry(
        object_kind="device",
        object_id="other",
        outcome="refused",
        message="onFail: device 7aa48c2a-aa01-488b-abfb-4eabce3ce9f8 is not in this flow",
    )
    shown = table(demo_client.get("/audit/"))
    assert "onFail: device ‘Primary GW’ is not in this flow" in shown
    csv_rows = rows(demo_client.get("/audit/export.csv"))
    assert "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8 is not" in csv_rows[0]["message"]  # kept as sent


def test_a_devices_inspector_links_to_its_history(support_client):
    gateway = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
    response = support_client.get(
        f"/accounts/{DARREN}/flow/device/{gateway}/", headers={"HX-Request": "true"}
    )
    assert f'href="/audit/?account={DARREN}&amp;object={gateway}">History of this device</a>' in (
        response.content.decode()
    )
