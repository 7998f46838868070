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


def _from(client, address, username, password):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failures_for_a_username_throttle_further_tries_from_that_address(client, sandbox):
    for _ in range(5):
        assert sign_in(client, "demo", "nope").status_code == 401
    sandbox.clear_log()
    response = sign_in(client, "demo", "1234")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert sandbox.requests("/oauth/authorize") == []  # refused before asking the upstream


def test_failures_from_one_address_never_lock_the_user_out_from_another(client, sandbox):
    for _ in range(12):
        _from(client, "203.0.113.7", "demo", "nope")
    assert _from(client, "203.0.113.7", "demo", "1234").status_code == 429
    assert _from(client, "198.51.100.9", "demo", "1234").status_code == 302


def test_many_addresses_failing_for_a_user_meet_its_slower_limit_but_a_clean_address_does_not(
    client, sandbox, settings
):
    settings.SIGNIN_MAX_USER_FAILURES = 9
    attackers = [f"203.0.113.{n}" for n in range(1, 4)]
    for address in attackers:
        for _ in range(3):  # under the per-address limits
            assert _from(client, address, "demo", "nope").status_code == 401
    # 9 failures for the user: addresses that failed are refused, even with the right password.
    assert _from(client, attackers[0], "demo", "1234").status_code == 429
    assert _from(client, "203.0.113.99", "demo", "nope").status_code == 401
    assert _from(client, "203.0.113.99", "demo", "1234").status_code == 429
    # An address with no failure signs in at once.
    assert _from(client, "198.51.100.9", "demo", "1234").status_code == 302


def test_usernames_are_counted_whatever_their_case(client, sandbox):
    for username in ["Demo", "DEMO", "demo", " dEmO", "demo "]:
        sign_in(client, username, "nope")
    sandbox.clear_log()
    assert sign_in(client, "demo", "1234").status_code == 429
    assert sign_in(client, "DeMo", "1234").status_code == 429
    assert sandbox.requests("/oauth/authorize") == []


def test_the_right_password_starts_that_addresses_count_again(client, sandbox):
    for _ in range(4):
        sign_in(client, "demo", "nope")
    assert sign_in(client, "demo", "1234").status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert sign_in(client, "demo", "nope").status_code == 401
    assert sign_in(client, "demo", "1234").status_code == 302


def test_many_failures_from_an_address_throttle_other_usernames_too(client, sandbox, settings):
    for n in range(settings.SIGNIN_MAX_ADDRESS_FAILURES):
        sign_in(client, f"someone{n}", "nope")
    assert sign_in(client, "support", "1234").status_code == 429


@pytest.mark.parametrize("status", [400, 401, 403])
def test_an_html_error_page_at_sign_in_is_an_upstream_fault_not_a_wrong_password(
    client, sandbox, status
):
    sandbox.faults(non_json_next=1, fail_status=status, path="/oauth/authorize")
    response = sign_in(client, "demo", "1234")
    assert response.status_code == 502
    page = response.content.decode()
    assert "The Callable API did not answer" in page and "Try again" in page
    assert "Wrong username" not in page and "Sign-in refused" not in page
    assert 'value="demo"' in page  # what was typed stays
    assert not TokenGrant.objects.exists()
    for _ in range(5):  # not counted as failed sign-ins
        sandbox.faults(non_json_next=1, fail_status=status, path="/oauth/authorize")
        sign_in(client, "demo", "1234")
    assert sign_in(client, "demo", "1234").status_code == 302


def test_a_json_refusal_at_sign_in_is_still_a_wrong_password(client, sandbox):
    sandbox.faults(fail_next=1, fail_status=400, path="/oauth/authorize")
    assert sign_in(client, "demo", "1234").status_code == 401


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
    for n in range(settings.SIGNIN_MAX_ADDRESS_FAILURES):
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


def test_signing_in_again_ends_the_grant_of_the_session_it_replaces(client, sandbox):
    sign_in(client, "demo")
    first = TokenGrant.objects.get()
    sign_in(client, "demo")
    assert list(TokenGrant.objects.values_list("pk", flat=True)) == [first.pk + 1]
    sign_in(client, "support")  # another user in the same browser
    grant = TokenGrant.objects.get()
    assert grant.user.upstream_username == "support"
    assert client.get("/").status_code == 200


def test_sign_in_purges_grants_whose_refresh_token_died_or_whose_session_ended(
    client, sandbox, django_user_model
):
    from django.contrib.sessions.models import Session
    from django.test import Client
    from django.utils import timezone

    others = [Client() for _ in range(3)]
    for other in others:
        sign_in(other, "support")
    dead, idle, live = TokenGrant.objects.order_by("pk")
    TokenGrant.objects.filter(pk=dead.pk).update(refresh_expires=1.0)
    Session.objects.filter(session_key=idle.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    sign_in(client, "demo")
    remaining = set(TokenGrant.objects.values_list("pk", flat=True))
    assert dead.pk not in remaining and idle.pk not in remaining
    assert live.pk in remaining and len(remaining) == 2
    assert others[2].get("/").status_code == 200


def test_a_grant_is_bound_to_its_session(client, sandbox):
    sign_in(client, "demo")
    assert TokenGrant.objects.get().session_key == client.session.session_key


def _session_reads(client, path="/accounts/5554872eb0731b38efa4d444/trunks/") -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    return [sql for sql in reads if "signin_" in sql or "django_session" in sql]


def test_a_page_reads_the_session_then_the_grant_with_its_user_in_one_query(client, sandbox):
    sign_in(client, "demo")
    reads = _session_reads(client)
    assert len(reads) == 2, reads
    assert "signin_callableuser" in reads[1] and "signin_tokengrant" in reads[1]


def test_a_session_whose_auth_hash_does_not_match_is_still_signed_out(client, sandbox):
    from django.contrib.auth import HASH_SESSION_KEY

    sign_in(client, "demo")
    session = client.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
