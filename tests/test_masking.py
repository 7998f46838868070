"""One masking rule for credentials shown to a person: the rule itself, then every page that
shows upstream values, and the audit log, against the sandbox over HTTP."""

import html
import re

import pytest

from callable_admin.accounts.conflicts import read_original
from callable_admin.audit.models import AuditEntry
from callable_admin.masking import MASK, mask_url, masked, masked_document
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DARREN_HOOK_EVENT

HOOK_API = f"/api/v1/account/{DARREN}/hook"
# secrets an upstream hook may carry: in its URL, in a nested header, in a header spelled as a pair
URL_PASSWORD = "hunter2-url"
HEADER_TOKEN = "Bearer sk-live-header"
PAIR_TOKEN = "pair-secret-77"
QUERY_TOKEN = "q-token-55"
SECRETS = (URL_PASSWORD, HEADER_TOKEN, PAIR_TOKEN, QUERY_TOKEN)


# the rule


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host.example/x", f"https://user:{MASK}@host.example/x"),
        ("https://ghp_token@host.example/", f"https://{MASK}@host.example/"),
        ("https://host.example/x?a=1&api_key=k", f"https://host.example/x?a=1&api_key={MASK}"),
        ("https://host.example/x?a=1", "https://host.example/x?a=1"),
        ("http://[::1", "http://[::1"),  # not a URL urlsplit can read: left as it is
        ("plain words", "plain words"),
    ],
)
def test_urls_lose_their_credentials_and_nothing_else(url, shown):
    assert mask_url(url) == shown


def test_nested_secrets_are_masked_at_any_depth_and_the_original_is_untouched():
    hook = {
        "url": "https://u:p@h.example/",
        "authType": "BASIC",
        "headers": {"Authorization": "Bearer x", "X-Api-Key": "k", "Accept": "json"},
        "params": [{"name": "Authorization", "value": "v"}, {"name": "page", "value": "2"}],
        "tag": {"data": {"apiKey": "s", "order": "1234"}},
        "sipGateway": {"password": "p", "ringTime": 30},
    }
    shown = masked_document(hook)
    assert shown == {
        "url": f"https://u:{MASK}@h.example/",
        "authType": "BASIC",
        "headers": {"Authorization": MASK, "X-Api-Key": MASK, "Accept": "json"},
        "params": [{"name": "Authorization", "value": MASK}, {"name": "page", "value": "2"}],
        "tag": {"data": {"apiKey": MASK, "order": "1234"}},
        "sipGateway": {"password": MASK, "ringTime": 30},
    }
    assert hook["headers"]["Authorization"] == "Bearer x"  # a copy was masked


@pytest.mark.parametrize("name", ["password", "authToken", "client_secret", "apiKey", "api-key"])
def test_fields_named_like_credentials_are_masked(name):
    assert masked(name, "s3cret") == MASK
    assert masked(name, "") == ""  # an empty field hides nothing


# pages


@pytest.fixture
def secret_hook(sandbox):
    """Darren's event hook, given credentials in every place an upstream may keep them."""
    token = sandbox.token()
    path = f"{HOOK_API}/{DARREN_HOOK_EVENT}"
    hook = sandbox.api("GET", path, token).json()
    hook.update(
        url=f"https://hookuser:{URL_PASSWORD}@hooks.example/in?token={QUERY_TOKEN}",
        headers={"Authorization": HEADER_TOKEN, "Accept": "application/json"},
        params=[{"name": "X-Auth-Token", "value": PAIR_TOKEN}],
    )
    assert sandbox.api("PUT", path, token, json=hook).status_code == 204
    return hook


def assert_no_secret(page: str) -> None:
    for secret in SECRETS:
        assert secret not in page
    assert "hookuser:" + MASK in page or MASK in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/accounts/{DARREN}/hooks/",
        f"/accounts/{DARREN}/",
        f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/",
    ],
)
def test_hook_credentials_are_masked_on_every_page_support_sees(support_client, secret_hook, path):
    response = support_client.get(path)
    assert response.status_code == 200
    assert_no_secret(response.content.decode())


@pytest.mark.django_db
def test_the_hook_page_masks_nested_headers_among_its_other_fields(demo_client, secret_hook):
    page = demo_client.get(f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/").content.decode()
    assert "Authorization" in page and HEADER_TOKEN not in page and PAIR_TOKEN not in page
    assert "application/json" in page  # not a secret: shown


@pytest.mark.django_db
def test_the_remove_page_masks_the_hook_url(demo_client, secret_hook):
    page = demo_client.get(f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/delete/")
    assert_no_secret(page.content.decode())


@pytest.mark.django_db
def test_a_call_tag_api_key_is_masked_in_the_audit_log_and_the_calls_log(demo_client, sandbox):
    response = demo_client.post(
        f"/accounts/{DARREN}/calls/new/",
        {
            "target_kind": "phoneNumber",
            "target_number": "+441234567893",
            "verb_0_kind": "say",
            "verb_0_text": "Hello",
            "tag_key_0": "apiKey",
            "tag_value_0": "tag-secret-99",
            "tag_key_1": "order",
            "tag_value_1": "1234",
            "action": "place",
        },
    )
    assert response.status_code == 302
    # the upstream got the real value; people see it masked
    [call] = sandbox.calls()
    assert call["request"]["tag"]["data"]["apiKey"] == "tag-secret-99"
    entry = AuditEntry.objects.get(object_kind="call")
    assert entry.changes["tag"]["after"] == {"data": {"apiKey": MASK, "order": "1234"}}
    for path in ("/audit/", f"/accounts/{DARREN}/calls/"):
        page = demo_client.get(path).content.decode()
        assert "tag-secret-99" not in page and "1234" in page, path


@pytest.mark.django_db
def test_the_audit_log_masks_a_hook_url_password_changed_through_the_dashboard(
    demo_client, sandbox, secret_hook
):
    edit = f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/"
    fields = form_fields(demo_client.get(edit))
    fields["url"] = f"https://hookuser:{URL_PASSWORD}-new@hooks.example/in"
    response = demo_client.post(edit, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(object_kind="hook")
    assert URL_PASSWORD not in str(entry.changes)
    page = demo_client.get("/audit/").content.decode()
    assert URL_PASSWORD not in page and f"hookuser:{MASK}@hooks.example" in page


# the admin's edit form: credentials masked there too, put back on save

EDIT = f"/accounts/{DARREN}/hooks/{DARREN_HOOK_EVENT}/"


def stored_hook(sandbox) -> dict:
    return sandbox.api("GET", f"{HOOK_API}/{DARREN_HOOK_EVENT}", sandbox.token()).json()


@pytest.mark.django_db
def test_the_edit_form_and_its_signed_original_hold_no_credential(demo_client, secret_hook):
    response = demo_client.get(EDIT)
    assert_no_secret(response.content.decode())
    fields = form_fields(response)
    assert fields["url"] == f"https://hookuser:{MASK}@hooks.example/in?token={MASK}"
    original = read_original(fields["original"], "hook", DARREN, DARREN_HOOK_EVENT)
    assert URL_PASSWORD not in str(original.values) and QUERY_TOKEN not in str(original.values)


@pytest.mark.django_db
def test_saving_other_fields_keeps_the_hidden_credentials(demo_client, sandbox, secret_hook):
    fields = form_fields(demo_client.get(EDIT))
    assert demo_client.post(EDIT, {**fields, "priority": "77"}).status_code == 302
    hook = stored_hook(sandbox)
    assert hook["priority"] == 77 and hook["url"] == secret_hook["url"]
    assert hook["headers"] == secret_hook["headers"]


@pytest.mark.django_db
def test_a_new_host_with_the_mask_left_in_place_keeps_the_password(
    demo_client, sandbox, secret_hook
):
    fields = form_fields(demo_client.get(EDIT))
    moved = fields["url"].replace("hooks.example", "moved.example")
    assert demo_client.post(EDIT, {**fields, "url": moved}).status_code == 302
    expected = f"https://hookuser:{URL_PASSWORD}@moved.example/in?token={QUERY_TOKEN}"
    assert stored_hook(sandbox)["url"] == expected


@pytest.mark.django_db
def test_a_conflict_over_the_url_shows_neither_password_and_theirs_can_be_kept(
    demo_client, sandbox, secret_hook
):
    fields = form_fields(demo_client.get(EDIT))
    theirs = "https://other:their-pass-8@theirs.example/in"
    sandbox.api(
        "PUT",
        f"{HOOK_API}/{DARREN_HOOK_EVENT}",
        sandbox.token(),
        json={**secret_hook, "url": theirs},
    )
    response = demo_client.post(EDIT, {**fields, "url": "https://mine.example/in"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "their-pass-8" not in page and URL_PASSWORD not in page
    settle = form_fields(response)
    choices = re.findall(r'<input type="radio" name="url" value="([^"]*)"', page)
    assert html.unescape(choices[1]) == f"https://other:{MASK}@theirs.example/in"
    assert demo_client.post(EDIT, {**settle, "url": html.unescape(choices[1])}).status_code == 302
    assert stored_hook(sandbox)["url"] == theirs
