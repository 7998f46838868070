"""What must hold across processes with the shipped defaults (SQLite or PostgreSQL, the database
cache): two real dashboard processes (gunicorn, as bin/demo and the container run it) share one
database and one sandbox. Run again on PostgreSQL by setting DATABASE_URL (CI does)."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from callable_admin import clock
from callable_admin.signin.models import TokenGrant

ROOT = Path(__file__).resolve().parents[1]
TRIES = 50
REQUESTS_PER_TRY = 20  # half to each process, all at once


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The test database itself, so this test reads and writes what the processes see."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_dashboards(sandbox, transactional_db, tmp_path):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="callable_admin.settings",
        DATABASE_URL=_database_url(),
        CALLABLE_API_URL=sandbox.url,
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONWARNINGS="ignore:No directory at",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    processes, urls, logs = [], [], []
    try:
        for n in range(2):
            port = _free_port()
            log = open(tmp_path / f"gunicorn-{n}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            command = [sys.executable, "-m", "gunicorn", "callable_admin.wsgi:application"]
            command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "8"]
            command += ["--graceful-timeout", "5", "--log-level", "warning"]
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
            urls.append(f"http://127.0.0.1:{port}")
        for process, url, n in zip(processes, urls, range(2), strict=True):
            for _ in range(300):  # up to 30 s on a busy machine
                if process.poll() is not None:
                    pytest.fail((tmp_path / f"gunicorn-{n}.log").read_text()[-3000:])
                try:
                    if requests.get(url + "/healthz", timeout=5).ok:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.1)  # waiting for a process to start listening, not for time to pass
            else:
                pytest.fail(f"the dashboard at {url} did not start")
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def _sign_in(base: str, username: str = "demo", password: str = "1234", **session_kw):
    session = requests.Session()
    page = session.get(base + "/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    return session, response


def _all_at_once(urls: list[str], cookies, count: int) -> list[int | str]:
    """`count` GETs of the organisation page, alternating between the processes, released
    together; their statuses (or the exception, as text)."""
    barrier = threading.Barrier(count)
    results: list[int | str] = [0] * count

    def get(n: int):
        with requests.Session() as session:  # one per thread: Session is not thread-safe
            session.cookies.update(cookies)
            barrier.wait()
            try:
                results[n] = session.get(urls[n % 2] + "/", allow_redirects=False, timeout=60)
                results[n] = results[n].status_code
            except requests.RequestException as exc:
                results[n] = repr(exc)

    threads = [threading.Thread(target=get, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_processes_refresh_a_token_once_and_sign_nobody_out_in_50_of_50_tries(
    two_dashboards, sandbox
):
    session, response = _sign_in(two_dashboards[0])
    assert response.status_code == 302, response.text[:500]
    grant = TokenGrant.objects.get()
    failed = []
    for attempt in range(TRIES):
        if attempt % 2:
            # The upstream stops accepting the access token: every request gets a 401 first.
            sandbox.revoke(access=True)
        else:
            # The token nears its expiry (inside the 30 s refresh margin) for both processes.
            TokenGrant.objects.filter(pk=grant.pk).update(access_expires=clock.now() + 5)
        sandbox.clear_log()
        statuses = _all_at_once(two_dashboards, session.cookies, REQUESTS_PER_TRY)
        refreshes = [e["status"] for e in sandbox.refreshes()]
        if refreshes != [200] or statuses != [200] * REQUESTS_PER_TRY:
            failed.append({"try": attempt, "refreshes": refreshes, "statuses": statuses})
    assert failed == [], f"{len(failed)} of {TRIES} tries went wrong: {failed[:3]}"
    assert TokenGrant.objects.get().version == 1 + TRIES


def test_failed_sign_ins_are_counted_across_processes(two_dashboards, sandbox, settings):
    first, second = two_dashboards
    for base in (first, first, first, second, second):  # 5 failures, split between processes
        assert _sign_in(base, "demo", "nope")[1].status_code == 401
    sandbox.clear_log()
    assert _sign_in(first, "demo", "1234")[1].status_code == 429
    assert _sign_in(second, "demo", "1234")[1].status_code == 429
    assert sandbox.requests("/oauth/authorize") == []
