"""Signing in with the user's own Callable tokens, against the sandbox over HTTP."""

import re

import pytest

from callable_admin.signin.models import CallableUser, TokenGrant
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_sign_in_opens_a_session_holding_the_users_own_tokens(client, sandbox):
    response = sign_in(client, "demo")
    assert response.status_code == 302 and response["Location"] == "/"
    grant = TokenGrant.objects.get()
    assert grant.user.upstream_username == "demo"
    assert grant.user.organisation_id == "3h74872eb0731b38efa4d556"
    assert set(grant.roles) == {"OrganisationAdmin", "AdminRecorder", "VoiceChannel"}
    assert [e["grant"] for e in sandbox.requests("/oauth/authorize")] == ["password"]


def test_the_organisation_page_shows_name_user_roles_and_accounts(client, sandbox):
    sign_in(client, "demo")
    page = client.get("/").content.decode()
    assert "Demo Organisation" in page
    assert "Darren&#x27;s Pizzas" in page and "Dean&#x27;s Taxis" in page
    assert "Organisation admin" in page and "Can place calls" in page
    assert "OrganisationAdmin" not in page and "VoiceChannel" not in page  # said as people say it


def test_the_support_user_is_read_only(client, sandbox):
    sign_in(client, "support")
    grant = TokenGrant.objects.get()
    assert "OrganisationAdmin" not in grant.roles and "VoiceChannel" not in grant.roles
    page = client.get("/").content.decode()
    assert "Read only" in page and "Support, read only" in page


def test_one_local_user_per_upstream_user_and_organisation(client, sandbox):
    sign_in(client, "demo")
    client.post("/logout/")
    sign_in(client, "demo")
    assert CallableUser.objects.filter(upstream_username="demo").count() == 1


def test_wrong_password_shows_the_form_again_with_the_username_and_upstream_message(
    client, sandbox
):
    response = sign_in(client, "demo", "wrong")
    assert response.status_code == 401
    page = response.content.decode()
    assert 'value="demo"' in page
    assert "Invalid username or password" in page
    assert "wrong" not in page  # the password is never echoed
    assert not TokenGrant.objects.exists()


def test_sign_in_goes_back_to_where_the_user_was(client, sandbox):
    response = client.get("/accounts/?q=pizza")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccounts%2F%3Fq%3Dpizza"
    response = sign_in(client, "demo", next_url="/accounts/?q=pizza")
    assert response["Location"] == "/accounts/?q=pizza"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_off_site(client, sandbox, target):
    response = sign_in(client, "demo", next_url=target)
    assert response["Location"] == "/"


def test_five_failures_for_a_username_throttle_further_tries(client, sandbox):
    for _ in range(5):
        assert sign_in(client, "demo", "nope").status_code == 401
    sandbox.clear_log()
    response = sign_in(client, "demo", "1234")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert sandbox.requests("/oauth/authorize") == []  # refused before asking the upstream


def test_five_failures_from_an_address_throttle_other_usernames_too(client, sandbox):
    for n in range(5):
        sign_in(client, f"someone{n}", "nope")
    assert sign_in(client, "support", "1234").status_code == 429


def test_no_token_reaches_the_browser(client, sandbox):
    response = sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    secrets = [grant.access_token, grant.refresh_token]
    pages = [response, client.get("/"), client.get("/accounts/"), client.get("/nope/")]
    for page in pages:
        body = page.content.decode()
        headers = str(page.headers) + str(page.cookies)
        for secret in secrets:
            assert secret not in body and secret not in headers
    for morsel in client.cookies.values():
        assert all(secret not in morsel.value for secret in secrets)


def test_the_session_cookie_is_httponly_lax_and_renewed_at_sign_in(client, sandbox):
    client.get("/login/")
    before = client.cookies.get("sessionid")
    response = sign_in(client, "demo")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert before is None or before.value != cookie.value
    assert int(cookie["max-age"]) <= 30 * 60


def test_signing_out_makes_the_old_cookie_worthless(client, sandbox):
    sign_in(client, "demo")
    cookie = client.cookies["sessionid"].value
    assert client.post("/logout/").status_code == 302
    assert not TokenGrant.objects.exists()
    client.cookies["sessionid"] = cookie
    assert client.get("/").status_code == 302


def test_sign_out_needs_a_post(client, sandbox):
    sign_in(client, "demo")
    assert client.get("/logout/").status_code == 405
    assert TokenGrant.objects.exists()


def test_an_upstream_that_is_down_at_sign_in_gets_a_clear_message(client, sandbox, settings):
    settings.CALLABLE_API_URL = "http://127.0.0.1:9"
    response = sign_in(client, "demo")
    assert response.status_code == 502
    assert "did not answer" in response.content.decode()


def test_the_organisation_page_sorts_accounts_ignoring_accents_and_links_to_all(client, sandbox):
    sign_in(client, "demo")
    page = client.get("/").content.decode()
    rows = re.findall(
        r'<tr><td><a href="/accounts/[^/]+/">([^<]+)</a></td><td class="phone">([^<]+)</td>', page
    )
    names = [name for name, _ in rows]
    assert len(names) == 24
    assert names[:5] == [
        "Abbey Lane Recording Studio",
        "Acme Widgets Ltd",
        "Ærø Sailing Club",
        "Amélie&#x27;s Hair Studio",
        "Ångström Labs",
    ]
    assert "All 73 accounts" in page


def test_the_organisation_page_shows_each_accounts_main_number_as_people_read_it(client, sandbox):
    sign_in(client, "demo")
    page = client.get("/").content.decode()
    assert '<td class="phone">+44 1234 567890</td>' in page  # Darren's Pizzas
    assert "5554872eb0731b38efa4d444</span>" not in page  # no card of hex ids


def test_behind_our_proxy_failures_count_per_client_not_per_proxy(client, sandbox, settings):
    settings.BEHIND_TLS_PROXY = True
    for n in range(5):
        client.post(
            "/login/",
            {"username": f"someone{n}", "password": "nope"},
            HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7",
        )
    other_client = {"HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert (
        client.post("/login/", {"username": "demo", "password": "1234"}, **other_client).status_code
        == 302
    )
    assert (
        client.post(
            "/login/",
            {"username": "support", "password": "1234"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        ).status_code
        == 429
    )


def test_after_a_wrong_password_the_password_field_has_focus_not_the_username(client, sandbox):
    page = sign_in(client, "demo", "wrong").content.decode()
    password = page.split('id="id_password"')[1].split(">")[0]
    username = page.split('id="id_username"')[1].split(">")[0]
    assert "autofocus" in password and "autofocus" not in username


def test_the_sign_in_hint_shows_only_where_configured(client, settings):
    assert "signin-hint" not in client.get("/login/").content.decode()
    settings.SIGNIN_HINT = "Demo: demo / 1234"
    assert "Demo: demo / 1234" in client.get("/login/").content.decode()
