"""When the directory is built: once however many search at once, again in the background when
stale, and on demand. Real threads against the sandbox; the clock is moved, never waited for."""

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
