"""When the directory is built: once however many search at once, again in the background when
stale, and on demand. Real threads against the sandbox; the clock is moved, never waited for."""

import os
import subprocess
import sys
import threading

import pytest

from callable_admin import clock
from callable_admin.api.client import CallableAPI, StaticToken, transport
from callable_admin.directory import refresh
from callable_admin.directory.models import DirectoryBuild, ListedAccount

ORGANISATION = "3h74872eb0731b38efa4d556"
LIST_CALL = ("GET", "/api/v1/account")


def list_calls(sandbox) -> int:
    return [(e["method"], e["path"]) for e in sandbox.api_requests()].count(LIST_CALL)


@pytest.fixture
def api(sandbox):
    return CallableAPI(transport(), StaticToken(sandbox.token()))


@pytest.fixture(autouse=True)
def _no_thread_left_behind():
    yield
    refresh.wait_for_background()


@pytest.mark.django_db(transaction=True)
def test_many_searching_at_once_cause_one_build(api, sandbox):
    sandbox.faults(latency_ms=30)  # every read takes a while: the searches overlap
    sandbox.clear_log()
    start = threading.Barrier(8)
    outcomes = []

    def search():
        start.wait()
        outcomes.append(refresh.ready(api, ORGANISATION))

    threads = [threading.Thread(target=search) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert list_calls(sandbox) == 1
    assert DirectoryBuild.objects.get().accounts == ListedAccount.objects.count() > 70
    built = [outcome for outcome in outcomes if outcome is not None and outcome.built_at]
    assert len(built) >= 1  # the builder; the others were told it was under way


@pytest.mark.django_db(transaction=True)
def test_a_stale_directory_answers_at_once_and_refreshes_in_the_background(
    demo_client, sandbox, monkeypatch, settings
):
    demo_client.get("/accounts/", {"q": "darren"})  # built now
    sandbox.create_account("Zed Late Arrivals", 3)
    assert "Zed Late Arrivals" not in demo_client.get("/accounts/", {"q": "zed"}).content.decode()
    later = clock.now() + settings.DIRECTORY_MAX_AGE + 60
    monkeypatch.setattr(clock, "now", lambda: later)
    sandbox.faults(latency_ms=50)  # the background build takes many round trips, the page none
    sandbox.clear_log()
    stale = demo_client.get("/accounts/", {"q": "zed"}).content.decode()
    assert "11 minutes ago" in stale and "Zed Late Arrivals" not in stale  # answered from before
    refresh.wait_for_background()
    assert list_calls(sandbox) == 1  # one build, in the background
    sandbox.clear_faults()
    fresh = demo_client.get("/accounts/", {"q": "zed"}).content.decode()
    assert "Zed Late Arrivals" in fresh and "just now" in fresh


@pytest.mark.django_db(transaction=True)
def test_a_fresh_directory_is_not_rebuilt(demo_client, sandbox):
    demo_client.get("/accounts/", {"q": "darren"})
    sandbox.clear_log()
    demo_client.get("/accounts/", {"q": "dean"})
    refresh.wait_for_background()
    assert list_calls(sandbox) == 0


@pytest.mark.django_db(transaction=True)
def test_refresh_now_rebuilds_and_comes_back_to_the_search(demo_client, sandbox):
    demo_client.get("/accounts/", {"q": "darren"})
    sandbox.create_account("Zed Refreshed Co", 3)
    response = demo_client.post("/directory/refresh/", {"next": "/accounts/?q=zed"})
    assert response.status_code == 302 and response["Location"] == "/accounts/?q=zed"
    refresh.wait_for_background()
    assert "Zed Refreshed Co" in demo_client.get("/accounts/", {"q": "zed"}).content.decode()


@pytest.mark.django_db(transaction=True)
def test_refresh_now_goes_back_only_to_this_site(demo_client, sandbox):
    response = demo_client.post("/directory/refresh/", {"next": "https://evil.example/"})
    assert response["Location"] == "/accounts/"


@pytest.mark.django_db(transaction=True)
def test_a_failed_refresh_keeps_the_old_directory_and_says_so(
    demo_client, sandbox, monkeypatch, settings
):
    demo_client.get("/accounts/", {"q": "darren"})
    sandbox.faults(fail_rate=1.0, fail_status=503, path="/ddi")
    demo_client.post("/directory/refresh/", {"next": "/accounts/?q=darren"})
    refresh.wait_for_background()
    page = demo_client.get("/accounts/", {"q": "darren"}).content.decode()
    assert "Darren&#x27;s Pizzas" in page
    assert "The last refresh of the number directory failed" in page


BUILDER = """
import json, os, pathlib, sys, time
import django
django.setup()
from callable_admin.api.client import CallableAPI, StaticToken, transport
from callable_admin.directory import refresh
here = pathlib.Path(sys.argv[1])
(here / f"ready-{os.getpid()}").touch()
while not (here / "go").exists():  # both processes start their build together
    time.sleep(0.005)
api = CallableAPI(transport(), StaticToken(sys.argv[2]))
print(json.dumps(refresh.build_now(api, sys.argv[3])))
"""


@pytest.mark.django_db(transaction=True)
def test_two_processes_searching_at_once_cause_one_build(sandbox, tmp_path, settings):
    from django.db import connection

    if not settings.CACHES["default"]["BACKEND"].endswith(("DatabaseCache", "RedisCache")):
        pytest.skip("a cache shared across processes is needed (database or Redis)")
    sandbox.faults(latency_ms=30)
    sandbox.clear_log()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "callable_admin.settings",
        "CALLABLE_API_URL": sandbox.url,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "LOCAL_SECRET_KEY": "1",
        "HTTPS_ONLY": "0",
    }
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        environment["CACHE_URL"] = settings.CACHES["default"]["LOCATION"].replace(
            "redis://", "rediscache://"
        )
    if connection.vendor != "sqlite":
        pytest.skip("the child processes reach the test database by its SQLite file")
    token = sandbox.token()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", BUILDER, str(tmp_path), token, ORGANISATION],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:  # wait for both to be ready, without a clock
        while len(list(tmp_path.glob("ready-*"))) < 2 and child.poll() is None:
            threading.Event().wait(0.01)
    (tmp_path / "go").touch()
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outcomes.append(out.strip().splitlines()[-1])
    assert sorted(outcomes) == ["null", "true"]  # one built, the other found the lock held
    assert list_calls(sandbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_first_build_too_long_for_the_page_runs_in_the_background(demo_client, sandbox, settings):
    settings.CALLABLE_API_DEADLINE = 1.0  # 73 accounts, 146 reads, 8 at a time: too long for it
    sandbox.faults(latency_ms=40)
    page = demo_client.get("/accounts/", {"q": "taxi"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dean&#x27;s Taxis" in html  # names searched upstream meanwhile
    assert "this search looked at names and ids only" in html
    refresh.wait_for_background()
    sandbox.clear_faults()
    built = DirectoryBuild.objects.get()
    assert built.built_at is not None and built.upstream_calls == 2 * built.accounts + 1
    found = demo_client.get("/accounts/", {"q": "deanstaxis"}).content.decode()
    assert "domain" in found and "Dean&#x27;s Taxis" in found
