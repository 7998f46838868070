"""SIP trunks: list, add, view and edit, remove; each save whole and never blind."""

import re

import pytest

from callable_admin.audit.models import AuditEntry
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DARREN_TRUNK, DEAN

pytestmark = pytest.mark.django_db

LIST = f"/accounts/{DARREN}/trunks/"
NEW = f"/accounts/{DARREN}/trunks/new/"
EDIT = f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/"
REMOVE = f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/delete/"
API = f"/api/v1/account/{DARREN}/trunk"

NEW_TRUNK = {
    "ip": "203.0.113.7",
    "port": "5080",
    "description": "Branch office",
    "vendor": "cisco",
    "callerFormat": "e164",
    "calledFormat": "national",
    "countryCode": "IE",
    "zone": "eu-west-2",
}


def trunks(sandbox) -> list[dict]:
    return sandbox.api("GET", API, sandbox.token()).json()


def stored(sandbox, trunk_id=DARREN_TRUNK) -> dict:
    return sandbox.api("GET", f"{API}/{trunk_id}", sandbox.token()).json()


def put_directly(sandbox, trunk_id=DARREN_TRUNK, **changes) -> None:
    response = sandbox.api(
        "PUT", f"{API}/{trunk_id}", sandbox.token(), json={**stored(sandbox, trunk_id), **changes}
    )
    assert response.status_code == 204, response.text


def new_form(client) -> dict:
    return form_fields(client.get(NEW))


def edit_form(client) -> dict:
    return form_fields(client.get(EDIT))


# Seeing trunks


def test_the_list_shows_each_trunk_and_the_gateways_using_it(demo_client):
    page = demo_client.get(LIST).content.decode()
    row = re.search(rf'href="{EDIT}">1.1.1.1:5060</a></td>(.*?)</tr>', page, re.S).group(1)
    assert "Primary IP Address" in row and "eu-west-1" in row and "Primary GW" in row
    assert f'href="{NEW}"' in page


def test_the_trunk_page_shows_the_gateways_that_use_it(demo_client):
    page = demo_client.get(EDIT).content.decode()
    used = page.split('id="used-title"')[1].split("</section>")[0]
    assert "Primary GW" in used and "ext. 601" in used


def test_the_edit_form_shows_the_trunk_as_stored(demo_client):
    fields = edit_form(demo_client)
    assert {k: v for k, v in fields.items() if k != "original"} == {
        "ip": "1.1.1.1",
        "port": "5060",
        "description": "Primary IP Address",
        "vendor": "generic",
        "callerFormat": "national",
        "calledFormat": "national",
        "countryCode": "GB",
        "zone": "eu-west-1",
    }


def test_support_staff_see_the_trunk_without_write_controls(support_client):
    page = support_client.get(EDIT).content.decode()
    assert "1.1.1.1" in page and "Primary GW" in page
    assert 'name="original"' not in page and "Remove trunk" not in page
    assert NEW not in support_client.get(LIST).content.decode()


# Adding


def test_the_new_trunk_form_starts_on_port_5060(demo_client):
    fields = new_form(demo_client)
    assert fields["port"] == "5060" and fields["zone"] == ""


@pytest.mark.parametrize("created", ["empty", "body", "location"])
def test_adding_a_trunk_works_with_every_kind_of_201(demo_client, sandbox, created):
    sandbox.config(created=created)
    response = demo_client.post(NEW, {**new_form(demo_client), **NEW_TRUNK})
    added = [t for t in trunks(sandbox) if t["ip"] == "203.0.113.7"]
    assert len(added) == 1
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{DARREN}/trunks/{added[0]['id']}/"
    assert {k: v for k, v in added[0].items() if k != "id"} == {**NEW_TRUNK, "port": 5080}
    page = demo_client.get(response["Location"]).content.decode()
    assert "Trunk added." in page and "Branch office" in page


def test_a_trunk_left_without_optional_choices_leaves_them_out(demo_client, sandbox):
    demo_client.post(
        NEW, {**new_form(demo_client), **NEW_TRUNK, "countryCode": "", "callerFormat": ""}
    )
    added = next(t for t in trunks(sandbox) if t["ip"] == "203.0.113.7")
    assert "countryCode" not in added and "callerFormat" not in added


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("ip", "999.1.1.1", "Enter an IPv4 address"),
        ("ip", "pbx.example.com", "Enter an IPv4 address"),
        ("ip", "", "This field is required"),
        ("port", "0", "greater than or equal to 1"),
        ("port", "65536", "less than or equal to 65535"),
        ("port", "sixty", "Enter a whole number"),
        ("port", "50.5", "Enter a whole number"),
        ("callerFormat", "local", "Select a valid choice"),
        ("countryCode", "UK", "Select a valid choice"),
        ("countryCode", "gb", "Select a valid choice"),
        ("zone", "mars-1", "Select a valid choice"),
        ("zone", "", "This field is required"),
        ("vendor", "v" * 65, "at most 64 characters"),
        ("description", "d" * 256, "at most 255 characters"),
        ("description", "tab\there", "control characters"),
    ],
)
def test_bad_input_is_a_400_by_the_field_with_no_upstream_call(
    demo_client, sandbox, field, value, message
):
    fields = {**new_form(demo_client), **NEW_TRUNK}
    sandbox.clear_log()
    response = demo_client.post(NEW, {**fields, field: value})
    assert response.status_code == 400
    assert sandbox.api_requests() == []
    page = response.content.decode()
    assert message in page
    kept = form_fields(response)
    assert kept[field] == value or field in ("callerFormat", "countryCode", "zone")
    assert kept["description"] == fields["description"] or field == "description"


def test_an_ipv6_address_is_accepted_as_typed(demo_client, sandbox):
    demo_client.post(NEW, {**new_form(demo_client), **NEW_TRUNK, "ip": "2001:DB8::7"})
    assert any(t["ip"] == "2001:DB8::7" for t in trunks(sandbox))


def test_an_upstream_failure_while_adding_keeps_the_input(demo_client, sandbox):
    fields = {**new_form(demo_client), **NEW_TRUNK}
    sandbox.faults(fail_next=1, fail_status=500, method="POST", path="/trunk$")
    response = demo_client.post(NEW, fields)
    assert response.status_code == 502
    assert form_fields(response) == fields
    assert "nothing was saved" in response.content.decode()


# Editing


def test_saving_sends_the_whole_trunk_and_shows_the_saved_values(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.clear_log()
    response = demo_client.post(
        EDIT, {**fields, "port": "5062", "description": "Main PBX"}, follow=True
    )
    assert "Trunk saved." in response.content.decode()
    assert form_fields(response)["port"] == "5062"
    [put] = sandbox.requests(method="PUT")
    assert put["body"] == {
        "id": DARREN_TRUNK,
        "ip": "1.1.1.1",
        "port": 5062,
        "vendor": "generic",
        "callerFormat": "national",
        "calledFormat": "national",
        "description": "Main PBX",
        "zone": "eu-west-1",
        "countryCode": "GB",
    }


def test_fields_the_form_does_not_show_are_kept_exactly(demo_client, sandbox):
    extra = {
        "transport": "tls",
        "codecs": ["PCMA", "G722"],
        "limits": {"channels": 30},
        "enabled": True,
    }
    put_directly(sandbox, **extra)
    demo_client.post(EDIT, {**edit_form(demo_client), "description": "Renamed"})
    after = stored(sandbox)
    assert after["description"] == "Renamed"
    assert {name: after[name] for name in extra} == extra


def test_a_stored_zone_not_in_the_settings_list_is_kept(demo_client, sandbox):
    put_directly(sandbox, zone="af-south-1")
    page = demo_client.get(EDIT).content.decode()
    assert '<option value="af-south-1" selected>af-south-1 (current value)</option>' in page
    demo_client.post(EDIT, {**edit_form(demo_client), "port": "5070"})
    assert stored(sandbox)["zone"] == "af-south-1" and stored(sandbox)["port"] == 5070


def test_an_upstream_refusal_is_shown_atop_the_form_with_input_kept(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.faults(fail_next=1, fail_status=400, method="PUT")
    response = demo_client.post(EDIT, {**fields, "description": "kept"})
    assert response.status_code == 400
    assert "Injected fault: HTTP 400" in response.content.decode()
    assert form_fields(response)["description"] == "kept"


def test_an_upstream_failure_mid_save_keeps_everything_typed(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.faults(fail_next=1, fail_status=503, method="PUT")
    typed = {**fields, "ip": "198.51.100.9", "port": "5090", "description": "Half-saved?"}
    response = demo_client.post(EDIT, typed)
    assert response.status_code == 503
    assert form_fields(response) == typed
    assert stored(sandbox)["ip"] == "1.1.1.1"


def test_a_port_we_both_changed_is_a_conflict(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, port=5070, description="Their description")
    sandbox.clear_log()
    response = demo_client.post(EDIT, {**fields, "port": "5080", "vendor": "3cx"})
    assert response.status_code == 409
    assert sandbox.requests(method="PUT") == []
    page = response.content.decode()
    conflict = re.search(r'<fieldset class="field conflict.*?</fieldset>', page, re.S).group()
    assert 'value="5080"' in conflict and 'value="5070"' in conflict
    choice = form_fields(response)
    assert choice["vendor"] == "3cx" and choice["description"] == "Their description"
    demo_client.post(EDIT, {**choice, "port": "5080"})
    after = stored(sandbox)
    assert (after["port"], after["vendor"], after["description"]) == (
        5080,
        "3cx",
        "Their description",
    )


def test_someone_elses_change_to_a_field_i_left_alone_is_kept(demo_client, sandbox):
    fields = edit_form(demo_client)
    put_directly(sandbox, countryCode="IE")
    assert demo_client.post(EDIT, {**fields, "vendor": "mitel"}).status_code == 302
    assert stored(sandbox)["countryCode"] == "IE" and stored(sandbox)["vendor"] == "mitel"


def test_a_trunk_deleted_meanwhile_is_said_with_input_kept(demo_client, sandbox):
    fields = edit_form(demo_client)
    sandbox.faults(fail_next=1, fail_status=404, method="GET", path=f"/trunk/{DARREN_TRUNK}$")
    response = demo_client.post(EDIT, {**fields, "description": "still here?"})
    assert response.status_code == 404
    assert "no such thing" in response.content.decode()
    assert form_fields(response)["description"] == "still here?"


# Removing


def test_the_remove_page_warns_which_gateways_use_the_trunk(demo_client):
    page = demo_client.get(REMOVE).content.decode()
    assert "1 gateway uses this trunk" in page and "Primary GW" in page


def test_removing_a_trunk_in_use_shows_the_upstreams_refusal(demo_client, sandbox):
    response = demo_client.post(REMOVE)
    assert response.status_code == 409
    assert "is used by device(s) &#x27;Primary GW&#x27;" in response.content.decode()
    assert stored(sandbox)["id"] == DARREN_TRUNK
    assert AuditEntry.objects.get().outcome == "refused"


def test_removing_an_unused_trunk_removes_it(demo_client, sandbox):
    created = demo_client.post(NEW, {**new_form(demo_client), **NEW_TRUNK})
    trunk_page = created["Location"]
    response = demo_client.post(trunk_page + "delete/", follow=True)
    assert "Trunk removed." in response.content.decode()
    assert not any(t["ip"] == "203.0.113.7" for t in trunks(sandbox))
    assert response.redirect_chain[-1][0] == LIST


@pytest.mark.parametrize("status", [404, 405])
def test_an_api_that_does_not_remove_trunks_is_said_plainly(demo_client, sandbox, status):
    sandbox.faults(fail_next=1, fail_status=status, method="DELETE")
    response = demo_client.post(REMOVE, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == EDIT
    assert "The Callable API does not remove trunks." in response.content.decode()


# Roles


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", NEW),
        ("post", NEW),
        ("post", EDIT),
        ("get", REMOVE),
        ("post", REMOVE),
    ],
)
def test_support_gets_403_before_any_upstream_call(support_client, sandbox, method, path):
    response = getattr(support_client, method)(path, NEW_TRUNK)
    assert response.status_code == 403
    assert sandbox.api_requests() == []


def test_hostile_trunk_ids_are_404_before_any_upstream_call(demo_client, sandbox):
    for path in (f"/accounts/{DARREN}/trunks/..%2F/", f"/accounts/{DARREN}/trunks/a.b/"):
        assert demo_client.get(path).status_code == 404
    assert sandbox.api_requests() == []


def test_another_accounts_trunk_is_not_found_under_this_account(demo_client):
    dean_trunk = "b1f0c3d2-5e6a-4b7c-8d9e-0f1a2b3c4d5e"
    assert demo_client.get(f"/accounts/{DARREN}/trunks/{dean_trunk}/").status_code == 404
    assert demo_client.get(f"/accounts/{DEAN}/trunks/{dean_trunk}/").status_code == 200


# Addresses a cloud platform cannot reach, and one ip:port twice


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("127.0.0.1", "a loopback address"),
        ("192.168.1.20", "a private address"),
        ("10.2.3.4", "a private address"),
        ("fd12::1", "a private address"),
        ("169.254.10.1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("255.255.255.255", "the broadcast address"),
        ("239.1.1.1", "a multicast address"),
    ],
)
def test_an_address_the_cloud_cannot_reach_is_refused_by_the_field(demo_client, sandbox, ip, why):
    fields = {**new_form(demo_client), **NEW_TRUNK, "ip": ip}
    sandbox.clear_log()
    response = demo_client.post(NEW, fields)
    assert response.status_code == 400
    assert sandbox.api_requests() == []  # refused here, before any upstream call
    field = re.search(
        r'<div class="field[^"]*"[^>]*>\s*<label for="id_ip".*?</div>',
        response.content.decode(),
        re.S,
    )
    assert field and f"{ip} is {why}" in field.group()
    assert (
        form_fields(response)["ip"] == ip
        and form_fields(response)["description"] == "Branch office"
    )


def test_an_ip_and_port_the_account_already_has_is_refused_by_the_field(demo_client, sandbox):
    fields = {**new_form(demo_client), **NEW_TRUNK, "ip": "1.1.1.1", "port": "5060"}
    sandbox.clear_log()
    response = demo_client.post(NEW, fields)
    assert response.status_code == 400
    assert "1.1.1.1:5060 is already the address of Primary IP Address" in response.content.decode()
    assert [e["method"] for e in sandbox.api_requests()] == [
        "GET"
    ]  # read the trunks, wrote nothing
    assert len(trunks(sandbox)) == 1


def test_moving_a_trunk_onto_another_trunks_address_is_refused(demo_client, sandbox):
    demo_client.post(NEW, {**new_form(demo_client), **NEW_TRUNK})
    response = demo_client.post(
        EDIT, {**edit_form(demo_client), "ip": "203.0.113.7", "port": "5080"}
    )
    assert response.status_code == 400
    assert "203.0.113.7:5080 is already the address of Branch office" in response.content.decode()
    assert stored(sandbox)["ip"] == "1.1.1.1"


def test_saving_a_trunk_at_its_own_address_is_no_clash(demo_client, sandbox):
    response = demo_client.post(EDIT, {**edit_form(demo_client), "description": "Main PBX"})
    assert response.status_code == 302
    assert stored(sandbox)["description"] == "Main PBX"


def test_the_list_names_the_first_few_users_of_a_trunk_and_counts_the_rest(demo_client, sandbox):
    token = sandbox.token()
    gateway = sandbox.api(
        "GET", f"/api/v1/account/{DARREN}/device/7aa48c2a-aa01-488b-abfb-4eabce3ce9f8", token
    ).json()
    for number in range(17):
        copy = {k: v for k, v in gateway.items() if k != "id"}
        copy.update(name=f"Branch GW {number:02}", extension=str(700 + number))
        assert (
            sandbox.api("POST", f"/api/v1/account/{DARREN}/device", token, json=copy).status_code
            == 201
        )
    page = demo_client.get(LIST).content.decode()
    cell = re.search(r'<td class="used-by">(.*?)</td>', page, re.S).group(1)
    assert f'<a href="{EDIT}#used-title">and 15 more</a>' in cell
    assert cell.count("GW") == 3  # three names, not eighteen
