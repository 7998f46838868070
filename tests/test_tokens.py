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
