"""A form POST whose session had ended loses nothing: after signing in again, the same form shows
what was typed, for review, and nothing is sent upstream until the user saves."""

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from callable_admin.signin.models import KeptForm
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, sign_in

pytestmark = pytest.mark.django_db

ADDRESS = f"/accounts/{DARREN}/address/"
NEW_TRUNK = f"/accounts/{DARREN}/trunks/new/"


def _end_upstream_session(client, sandbox):
    sandbox.revoke(access=True, refresh=True)


def _end_idle_session(client, sandbox):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )


@pytest.mark.parametrize("end", [_end_upstream_session, _end_idle_session])
def test_an_edit_posted_after_the_session_ended_is_back_in_the_form_after_sign_in(
    client, sandbox, end
):
    sign_in(client, "demo")
    fields = form_fields(client.get(ADDRESS))
    end(client, sandbox)
    sandbox.clear_log()
    response = client.post(ADDRESS, {**fields, "line2": "Kept Wharf Road"})
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=" + ADDRESS.replace("/", "%2F")
    page = client.get(response["Location"]).content.decode()
    assert "what you typed is kept" in page

    back = sign_in(client, "demo", next_url=ADDRESS)
    assert back["Location"] == ADDRESS
    page = client.get(ADDRESS)
    shown = form_fields(page)
    assert shown["line2"] == "Kept Wharf Road" and shown["line1"] == fields["line1"]
    assert shown["original"] == fields["original"]  # a colleague's change still shows as such
    assert "What you typed is back in the form" in page.content.decode()
    assert sandbox.requests(method="PUT") == []  # shown for review, not sent

    assert form_fields(client.get(ADDRESS))["line2"] == "20 Wharf Rd"  # once only
    assert not KeptForm.objects.exists()
    saved = client.post(ADDRESS, {**shown}, follow=True)
    assert "Address saved." in saved.content.decode()


def test_a_new_object_posted_after_the_session_ended_is_back_in_the_empty_form(client, sandbox):
    sign_in(client, "demo")
    fields = form_fields(client.get(NEW_TRUNK))
    _end_idle_session(client, sandbox)
    typed = {**fields, "ip": "192.0.2.44", "port": "5070", "description": "Kept PBX"}
    assert client.post(NEW_TRUNK, typed).status_code == 302
    sign_in(client, "demo", next_url=NEW_TRUNK)
    shown = form_fields(client.get(NEW_TRUNK))
    assert (shown["ip"], shown["port"], shown["description"]) == ("192.0.2.44", "5070", "Kept PBX")
    assert sandbox.requests(method="POST", path="/trunk$") == []


def test_what_one_user_typed_is_never_shown_to_another(client, sandbox):
    sign_in(client, "demo")
    fields = form_fields(client.get(ADDRESS))
    _end_idle_session(client, sandbox)
    client.post(ADDRESS, {**fields, "line2": "Kept Wharf Road"})
    sign_in(client, "support", next_url=ADDRESS)
    assert "Kept Wharf Road" not in client.get(ADDRESS).content.decode()
    assert KeptForm.objects.get().user.upstream_username == "demo"


def test_the_password_and_csrf_token_are_never_kept(client, sandbox):
    sign_in(client, "demo")
    fields = form_fields(client.get(ADDRESS))
    _end_idle_session(client, sandbox)
    client.post(ADDRESS, {**fields, "password": "secret", "csrfmiddlewaretoken": "x"})
    names = [name for name, _ in KeptForm.objects.get().fields]
    assert "password" not in names and "csrfmiddlewaretoken" not in names and "line1" in names


def test_an_htmx_post_is_kept_for_the_page_that_sent_it(client, sandbox):
    sign_in(client, "demo")
    fields = form_fields(client.get(ADDRESS))
    _end_idle_session(client, sandbox)
    response = client.post(
        ADDRESS,
        {**fields, "line2": "Kept Wharf Road"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{ADDRESS}"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=" + ADDRESS.replace("/", "%2F")
    sign_in(client, "demo", next_url=ADDRESS)
    assert form_fields(client.get(ADDRESS))["line2"] == "Kept Wharf Road"


def test_a_kept_form_is_offered_once_even_where_no_form_takes_it(client, sandbox):
    sign_in(client, "demo")
    _end_idle_session(client, sandbox)
    client.post(f"/accounts/{DARREN}/", {"anything": "typed"})
    sign_in(client, "demo", next_url=f"/accounts/{DARREN}/")
    assert client.get(f"/accounts/{DARREN}/").status_code == 200
    assert not KeptForm.objects.exists()
    assert "callable_kept_form" not in client.session


def test_a_post_from_a_browser_with_no_session_keeps_nothing(client, sandbox):
    response = client.post(ADDRESS, {"line1": "Anything"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not KeptForm.objects.exists()
