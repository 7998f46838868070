"""Tokens are refreshed before they expire, once per session however many requests need it."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from callable_admin import clock
from callable_admin.api.client import transport
from callable_admin.signin.models import TokenGrant
from callable_admin.signin.tokens import GrantTokens
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def later(monkeypatch):
    """Move the dashboard's clock forward by some seconds."""

    def move(seconds: float):
        real = clock.time.time
        monkeypatch.setattr(clock, "now", lambda: real() + seconds)

    return move


# Transactional: the page's parallel reads refresh from pool threads, which see only committed rows.
@pytest.mark.django_db(transaction=True)
def test_a_token_about_to_expire_is_refreshed_before_use(client, sandbox, later):
    sign_in(client, "demo")
    old = TokenGrant.objects.get().access_token
    sandbox.clear_log()
    later(3600 - 20)  # 20 s left: inside the 30 s margin
    assert client.get("/").status_code == 200
    assert len(sandbox.refreshes()) == 1
    grant = TokenGrant.objects.get()
    assert grant.access_token != old and grant.version == 2
    assert all(e["status"] == 200 for e in sandbox.api_requests())


@pytest.mark.django_db
def test_a_token_with_time_left_is_not_refreshed(client, sandbox, later):
    sign_in(client, "demo")
    sandbox.clear_log()
    later(3600 - 60)
    client.get("/")
    assert sandbox.refreshes() == []


@pytest.mark.django_db(transaction=True)
def test_ten_threads_finding_the_token_expired_cause_one_refresh(client, sandbox, later):
    sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    sandbox.clear_log()
    later(3600 + 5)
    tokens, errors = [], []
    barrier = threading.Barrier(10)

    def work():
        try:
            barrier.wait()
            tokens.append(GrantTokens(grant.pk, transport()).access_token())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(sandbox.refreshes()) == 1
    assert len(set(tokens)) == 1 and tokens[0] != grant.access_token


@pytest.mark.django_db(transaction=True)
def test_a_401_from_the_upstream_refreshes_once_and_retries(client, sandbox):
    sign_in(client, "demo")
    client.get("/")  # builds the number directory (main numbers), once
    sandbox.revoke(access=True)
    sandbox.clear_log()
    response = client.get("/")
    assert response.status_code == 200
    assert len(sandbox.refreshes()) == 1
    statuses = [e["status"] for e in sandbox.api_requests()]
    assert 401 in statuses and statuses.count(200) == 2  # me and accounts, retried


@pytest.mark.django_db
def test_a_dead_refresh_token_sends_the_user_to_sign_in_and_back(client, sandbox):
    sign_in(client, "demo")
    sandbox.revoke(access=True, refresh=True)
    response = client.get("/accounts/?q=taxi")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccounts%2F%3Fq%3Dtaxi"
    assert not TokenGrant.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "session has ended" in page


@pytest.mark.django_db
def test_an_htmx_request_with_a_dead_session_gets_hx_redirect(client, sandbox):
    sign_in(client, "demo")
    sandbox.revoke(access=True, refresh=True)
    response = client.get(
        "/accounts/?q=taxi",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/accounts/?q=ta"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2Faccounts%2F%3Fq%3Dta"


@pytest.mark.django_db
def test_a_session_never_outlives_its_refresh_token(client, sandbox, later):
    sign_in(client, "demo")
    later(36000 + 1)
    sandbox.clear_log()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert sandbox.requests() == []


def _redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


WORKER = """
import json, os, sys, threading
import django
django.setup()
from callable_admin.api.client import transport
from callable_admin.signin.tokens import GrantTokens
grant_id = int(sys.argv[1]); go = sys.argv[2]
print("ready", flush=True)
while not os.path.exists(go):
    pass
tokens, errors = [], []
def work():
    try:
        tokens.append(GrantTokens(grant_id, transport()).access_token())
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=work) for _ in range(5)]
[t.start() for t in threads]; [t.join() for t in threads]
print(json.dumps({"tokens": tokens, "errors": errors}), flush=True)
"""

SETUP = """
import sys, django
django.setup()
from callable_admin.signin.models import CallableUser, TokenGrant
user = CallableUser.objects.create(upstream_username="demo", organisation_id="org")
grant = TokenGrant.objects.create(user=user, access_token=sys.argv[1], access_expires=0,
    refresh_token=sys.argv[2], refresh_expires=4e9, roles=[])
print(grant.pk)
"""


@pytest.mark.skipif(not _redis_reachable(), reason="needs the machine's Redis at 127.0.0.1:6379")
def test_two_processes_sharing_redis_refresh_once(sandbox, tmp_path):
    import requests

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="callable_admin.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        CACHE_URL="redis://127.0.0.1:6379/7",
        CALLABLE_API_URL=sandbox.url,
        PYTHONPATH=str(ROOT),
    )
    run = dict(env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();from django.core.cache import cache; cache.clear()",
        ],
        **run,
    )
    answer = requests.post(
        f"{sandbox.url}/api/v1/oauth/authorize",
        data={"username": "demo", "password": "1234"},
        timeout=10,
    ).json()
    grant_id = subprocess.run(
        [sys.executable, "-c", SETUP, answer["access_token"], answer["refresh_token"]], **run
    ).stdout.strip()
    sandbox.clear_log()
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, grant_id, str(go)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["errors"] for r in results] == [[], []]
    tokens = {t for r in results for t in r["tokens"]}
    assert len(tokens) == 1 and answer["access_token"] not in tokens
    assert len(sandbox.refreshes()) == 1


@pytest.mark.django_db
def test_the_idle_clock_is_renewed_once_a_minute_not_on_every_request(client, sandbox, later):
    sign_in(client, "demo")
    assert "sessionid" in client.get("/").cookies  # first request: renewed
    assert "sessionid" not in client.get("/").cookies  # seconds later: no session write
    later(61)
    renewed = client.get("/").cookies["sessionid"]
    assert int(renewed["max-age"]) == 30 * 60


@pytest.mark.django_db(transaction=True)
def test_no_token_or_password_reaches_a_log_line(client, sandbox, later, caplog):
    caplog.set_level("DEBUG")
    sign_in(client, "demo", "1234")
    first = TokenGrant.objects.get()
    later(3600)
    client.get("/")  # refreshes
    second = TokenGrant.objects.get()
    assert second.access_token != first.access_token
    logged = caplog.text
    assert "refreshed the tokens" in logged  # the refresh itself is logged, without its tokens
    for secret in (
        first.access_token,
        first.refresh_token,
        second.access_token,
        second.refresh_token,
        "password=1234",
    ):
        assert secret not in logged


@pytest.mark.django_db(transaction=True)
def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one_and_its_expiry(
    client, sandbox, later
):
    sandbox.config(rotate_refresh=False)
    sign_in(client, "demo")
    first = TokenGrant.objects.get()
    for hours in (1, 2):  # twice: the kept refresh token must still work
        later(3600 * hours + 5)
        assert client.get("/").status_code == 200
    grant = TokenGrant.objects.get()
    assert grant.version == 3 and grant.access_token != first.access_token
    assert grant.refresh_token == first.refresh_token
    assert grant.refresh_expires == first.refresh_expires
    assert [e["status"] for e in sandbox.refreshes()] == [200, 200]


@pytest.mark.django_db(transaction=True)
def test_a_grant_changed_by_someone_else_during_a_refresh_is_not_overwritten(
    client, sandbox, later, monkeypatch
):
    from callable_admin.signin import tokens as tokens_module

    sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    later(3600 + 5)
    real_authorize = tokens_module.authorize

    def authorize_while_someone_else_refreshes(transport, form):
        answer = real_authorize(transport, form)  # over the wire: the sandbox refreshes
        # Meanwhile another process (whose lease began after ours ran out) stored its tokens.
        TokenGrant.objects.filter(pk=grant.pk).update(
            access_token="theirs", access_expires=clock.now() + 3600, version=grant.version + 1
        )
        return answer

    monkeypatch.setattr(tokens_module, "authorize", authorize_while_someone_else_refreshes)
    token = GrantTokens(grant.pk, transport()).access_token()
    kept = TokenGrant.objects.get()
    assert kept.access_token == "theirs" and kept.version == grant.version + 1
    assert kept.refresh_token == grant.refresh_token  # ours was not written over theirs
    assert token == "theirs"


@pytest.mark.django_db(transaction=True)
def test_a_grant_ended_during_its_refresh_stays_ended(client, sandbox, later, monkeypatch):
    from callable_admin.api.errors import SessionExpired
    from callable_admin.signin import tokens as tokens_module

    sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    later(3600 + 5)
    real_authorize = tokens_module.authorize

    def authorize_while_signing_out(transport, form):
        answer = real_authorize(transport, form)
        TokenGrant.objects.filter(pk=grant.pk).delete()  # the user signed out in another tab
        return answer

    monkeypatch.setattr(tokens_module, "authorize", authorize_while_signing_out)
    with pytest.raises(SessionExpired):
        GrantTokens(grant.pk, transport()).access_token()
    assert not TokenGrant.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_lease_left_by_a_refresher_that_died_runs_out(client, sandbox, later):
    from callable_admin.signin.tokens import LEASE_SECONDS

    sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    # A process took the lease and died before giving it back.
    TokenGrant.objects.filter(pk=grant.pk).update(
        refreshing_until=clock.now() + 3600 + LEASE_SECONDS - 1, refresh_owner="dead"
    )
    later(3600 + LEASE_SECONDS)  # the token has expired and the lease has run out
    token = GrantTokens(grant.pk, transport()).access_token()
    assert token != grant.access_token and len(sandbox.refreshes()) == 1
    assert TokenGrant.objects.get().refresh_owner == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [400, 403])
def test_an_html_error_page_answering_a_refresh_keeps_the_session(client, sandbox, later, status):
    sign_in(client, "demo")
    later(3600 + 5)
    sandbox.faults(non_json_next=1, fail_status=status, path="/oauth/authorize")
    response = client.get("/")
    assert response.status_code == 502
    assert "did not answer" in response.content.decode()
    assert TokenGrant.objects.exists()
    assert client.get("/").status_code == 200  # the next try refreshes with the same token


def _raw_tokens() -> list[tuple[str, str]]:
    """The token columns as a database dump shows them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM signin_tokengrant")
        return list(cursor.fetchall())


@pytest.mark.django_db
def test_a_database_dump_alone_gives_no_working_token(client, sandbox):
    import requests

    sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    [(raw_access, raw_refresh)] = _raw_tokens()
    for raw, token in ((raw_access, grant.access_token), (raw_refresh, grant.refresh_token)):
        assert raw != token and token not in raw and token[:20] not in raw
    assert sandbox.api("GET", "/api/v1/account", grant.access_token).status_code == 200
    assert sandbox.api("GET", "/api/v1/account", raw_access).status_code == 401
    refused = requests.post(
        f"{sandbox.url}/api/v1/oauth/authorize", data={"token": raw_refresh}, timeout=10
    )
    assert refused.status_code in (400, 401)


@pytest.mark.django_db
def test_the_token_keys_rotate_new_first_old_still_opens_then_reencrypted(
    client, sandbox, settings
):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_KEYS = [old]
    sign_in(client, "demo")
    grant = TokenGrant.objects.get()
    settings.TOKEN_KEYS = [new, old]  # step 1: the new key first; the old one still decrypts
    assert client.get("/").status_code == 200
    call_command("rotate_token_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    [(raw_access, raw_refresh)] = _raw_tokens()
    assert Fernet(new).decrypt(raw_access.encode()).decode() == grant.access_token
    assert Fernet(new).decrypt(raw_refresh.encode()).decode() == grant.refresh_token
    settings.TOKEN_KEYS = [new]  # step 3: the old key is gone; sessions carry on
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_keys_derived_from_the_secret_key_follow_secret_key_fallbacks(client, sandbox, settings):
    settings.TOKEN_KEYS = []
    old_secret = settings.SECRET_KEY
    sign_in(client, "demo")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-secret-key-" * 3, [old_secret]
    assert client.get("/").status_code == 200
    assert TokenGrant.objects.get().access_token.count(".") == 2  # still the JWT


@pytest.mark.django_db
def test_tokens_no_configured_key_opens_end_the_session_not_the_page(client, sandbox, settings):
    from cryptography.fernet import Fernet

    settings.TOKEN_KEYS = [Fernet.generate_key().decode()]
    sign_in(client, "demo")
    settings.TOKEN_KEYS = [Fernet.generate_key().decode()]
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not TokenGrant.objects.exists()
