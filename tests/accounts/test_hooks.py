"""Hooks: flow-hooks and event-hooks, added, edited and removed safely."""

import pytest

from callable_admin.audit.models import AuditEntry
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DARREN_HOOK_EVENT, DARREN_HOOK_FLOW, DEAN

pytestmark = pytest.mark.django_db

LIST = f"/accounts/{DARREN}/hooks/"
NEW = f"/accounts/{DARREN}/hooks/new/"
EDIT = f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/"
API = f"/api/v1/account/{DARREN}/hook"
DEAN_FLOW_HOOK = "d3f2e5a4-7b8c-4d9e-8f0a-2b3c4d5e6f70"

NEW_HOOK = {
    "app": "flow.generic",
    "url": "https://crm.example.com/callable?src=pbx",
    "method": "PUT",
    "authType": "DISABLED",
    "priority": "20",
}


def hooks(sandbox) -> list[dict]:
    return sandbox.api("GET", API, sandbox.token()).json()


def stored(sandbox, hook_id=DARREN_HOOK_EVENT) -> dict:
    return sandbox.api("GET", f"{API}/{hook_id}", sandbox.token()).json()


def put_directly(sandbox, hook_id=DARREN_HOOK_EVENT, **changes) -> None:
    response = sandbox.api(
        "PUT", f"{API}/{hook_id}", sandbox.token(), json={**stored(sandbox, hook_id), **changes}
    )
    assert response.status_code == 204, response.text


def test_the_list_shows_flow_hooks_and_event_hooks_apart(demo_client):
    page = demo_client.get(LIST).content.decode()
    flow_part = page.split('id="flow-hooks-title"')[1].split("</section>")[0]
    event_part = page.split('id="event-hooks-title"')[1].split("</section>")[0]
    assert "http://test.com/myplugin" in flow_part and f"hooks/{DARREN_HOOK_FLOW}/" in flow_part
    assert "http://test.com/myevent" in event_part and "myplugin" not in event_part


def test_the_edit_form_shows_the_hook_as_stored(demo_client):
    fields = form_fields(demo_client.get(EDIT))
    assert {k: v for k, v in fields.items() if k != "original"} == {
        "app": "event.generic",
        "url": "http://test.com/myevent",
        "method": "POST",
        "authType": "DISABLED",
        "priority": "10",
    }


def test_the_hook_page_shows_the_flow_devices_that_name_it(demo_client):
    page = demo_client.get(f"/accounts/{DEAN}/hooks/{DEAN_FLOW_HOOK}/").content.decode()
    used = page.split('id="used-title"')[1].split("</section>")[0]
    assert "Driver ETA lookup" in used


@pytest.mark.parametrize("created", ["empty", "body", "location"])
def test_adding_a_hook_works_with_every_kind_of_201(demo_client, sandbox, created):
    sandbox.config(created=created)
    fields = form_fields(demo_client.get(NEW))
    response = demo_client.post(NEW, {**fields, **NEW_HOOK})
    [added] = [h for h in hooks(sandbox) if h["url"] == NEW_HOOK["url"]]
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{DARREN}/hooks/{added['id']}/"
    assert {k: v for k, v in added.items() if k != "id"} == {**NEW_HOOK, "priority": 20}
    assert "Hook added." in demo_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.com/hook",
        "/relative/path",
        "example.com/hook",
        "http://exa mple.com/hook",
        "http://example.com/a b",
        "http:///no-host",
        "http://example.com:port/",
        "https://example.com/" + "a" * 2030,
    ],
)
def test_a_url_that_is_not_absolute_http_is_refused_before_any_upstream_call(
    demo_client, sandbox, url
):
    fields = {**form_fields(demo_client.get(NEW)), **NEW_HOOK}
    sandbox.clear_log()
    response = demo_client.post(NEW, {**fields, "url": url})
    assert response.status_code == 400
    assert sandbox.api_requests() == []
    assert 'class="field invalid wide"' in response.content.decode()


def test_a_url_of_2048_characters_is_accepted(demo_client, sandbox):
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    fields = {**form_fields(demo_client.get(NEW)), **NEW_HOOK, "url": url}
    assert demo_client.post(NEW, fields).status_code == 302
    assert any(h["url"] == url for h in hooks(sandbox))


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("priority", "ten", "Enter a whole number"),
        ("priority", "-1", "greater than or equal to 0"),
        ("priority", "1e3", "Enter a whole number"),
        ("app", "flow.custom", "Select a valid choice"),
        ("method", "DELETE", "Select a valid choice"),
        ("authType", "NONE", "Select a valid choice"),
    ],
)
def test_wrong_types_and_values_are_refused_by_the_field(
    demo_client, sandbox, field, value, message
):
    fields = {**form_fields(demo_client.get(NEW)), **NEW_HOOK}
    sandbox.clear_log()
    response = demo_client.post(NEW, {**fields, field: value})
    assert response.status_code == 400 and message in response.content.decode()
    assert sandbox.api_requests() == []


def test_the_upstreams_field_refusal_is_shown_by_that_field(demo_client, sandbox):
    fields = {**form_fields(demo_client.get(NEW)), **NEW_HOOK, "priority": "5000"}
    response = demo_client.post(NEW, fields)
    assert response.status_code == 400
    page = response.content.decode()
    priority_field = page.split('for="id_priority"')[1].split("</div>")[0]
    assert "must be between 0 and 1000" in priority_field
    assert form_fields(response) == fields
    assert AuditEntry.objects.get().outcome == "refused"


def test_saving_keeps_fields_the_form_does_not_show(demo_client, sandbox):
    put_directly(sandbox, headers={"X-Tenant": "darren"}, retries=3, secretToken="s3cr3t-value")
    demo_client.post(EDIT, {**form_fields(demo_client.get(EDIT)), "priority": "30"})
    after = stored(sandbox)
    assert after["priority"] == 30
    assert after["headers"] == {"X-Tenant": "darren"} and after["retries"] == 3
    assert after["secretToken"] == "s3cr3t-value"


def test_a_secret_looking_field_is_not_shown_on_the_page(demo_client, sandbox):
    put_directly(sandbox, secretToken="s3cr3t-value")
    page = demo_client.get(EDIT).content.decode()
    assert "secretToken" in page and "s3cr3t-value" not in page


def test_changing_the_url_is_saved_whole(demo_client, sandbox):
    demo_client.post(
        EDIT,
        {**form_fields(demo_client.get(EDIT)), "url": "https://events.darrenspizzas.example/calls"},
    )
    assert stored(sandbox) == {
        "id": DARREN_HOOK_EVENT,
        "app": "event.generic",
        "url": "https://events.darrenspizzas.example/calls",
        "authType": "DISABLED",
        "method": "POST",
        "priority": 10,
    }


def test_a_url_we_both_changed_is_a_conflict(demo_client, sandbox):
    fields = form_fields(demo_client.get(EDIT))
    put_directly(sandbox, url="https://theirs.example/hook")
    response = demo_client.post(EDIT, {**fields, "url": "https://mine.example/hook"})
    assert response.status_code == 409
    assert stored(sandbox)["url"] == "https://theirs.example/hook"
    page = response.content.decode()
    assert "https://mine.example/hook" in page and "https://theirs.example/hook" in page


def test_an_upstream_failure_mid_save_keeps_everything_typed(demo_client, sandbox):
    fields = form_fields(demo_client.get(EDIT))
    sandbox.faults(drop_next=1, method="PUT")
    typed = {**fields, "url": "https://new.example/hook", "priority": "5"}
    response = demo_client.post(EDIT, typed)
    assert response.status_code == 502
    assert form_fields(response) == typed


def test_removing_a_hook_a_device_names_shows_the_refusal(demo_client, sandbox):
    path = f"/accounts/{DEAN}/hooks/{DEAN_FLOW_HOOK}/delete/"
    assert "Driver ETA lookup" in demo_client.get(path).content.decode()
    response = demo_client.post(path)
    assert response.status_code == 409
    assert "is used by device(s)" in response.content.decode()


def test_removing_an_unused_hook_removes_it(demo_client, sandbox):
    response = demo_client.post(EDIT + "delete/", follow=True)
    assert "Hook removed." in response.content.decode()
    assert [h["id"] for h in hooks(sandbox)] == [DARREN_HOOK_FLOW]


def test_an_api_that_does_not_remove_hooks_is_said_plainly(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=405, method="DELETE")
    response = demo_client.post(EDIT + "delete/", follow=True)
    assert "The Callable API does not remove hooks." in response.content.decode()
    assert response.redirect_chain[-1][0] == EDIT


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", NEW),
        ("post", NEW),
        ("post", EDIT),
        ("get", EDIT + "delete/"),
        ("post", EDIT + "delete/"),
    ],
)
def test_support_gets_403_before_any_upstream_call(support_client, sandbox, method, path):
    assert getattr(support_client, method)(path, NEW_HOOK).status_code == 403
    assert sandbox.api_requests() == []


def test_support_staff_see_hooks_without_write_controls(support_client):
    page = support_client.get(EDIT).content.decode()
    assert "http://test.com/myevent" in page
    assert 'name="original"' not in page and "Remove hook" not in page
    assert NEW not in support_client.get(LIST).content.decode()


def test_only_auth_types_that_can_be_configured_here_are_offered(demo_client):
    page = demo_client.get(NEW).content.decode()
    select = page.split('name="authType"')[1].split("</select>")[0]
    assert "DISABLED" in select
    assert "BEARER" not in select and "BASIC" not in select and "HMAC" not in select


def test_a_stored_auth_type_is_shown_and_kept_when_other_fields_change(demo_client, sandbox):
    put_directly(sandbox, authType="BEARER")
    page = demo_client.get(EDIT).content.decode()
    select = page.split('name="authType"')[1].split("</select>")[0]
    assert 'value="BEARER" selected' in select and "Bearer token (BEARER)" in select
    fields = form_fields(demo_client.get(EDIT))
    assert demo_client.post(EDIT, {**fields, "priority": "30"}).status_code == 302
    assert stored(sandbox)["authType"] == "BEARER" and stored(sandbox)["priority"] == 30


def test_an_auth_type_that_cannot_be_configured_here_is_refused_when_typed(demo_client, sandbox):
    fields = {**form_fields(demo_client.get(NEW)), **NEW_HOOK, "authType": "HMAC"}
    sandbox.clear_log()
    response = demo_client.post(NEW, fields)
    assert response.status_code == 400 and sandbox.api_requests() == []
