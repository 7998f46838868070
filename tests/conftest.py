"""Shared fixtures: one real sandbox per test process, reached over HTTP exactly as the
dashboard reaches the real API, reset to its demo data before each test that uses it."""

import re

import pytest
import requests
from django.core.cache import cache

from callable_admin.api.breaker import breaker
from sandbox.server import start

DARREN = "5554872eb0731b38efa4d444"
DEAN = "5564872eb0731b38efa4d555"
DARREN_TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
DARREN_HOOK_EVENT = "3ab34a16-dc17-42da-b67a-4d68d0046822"
DARREN_HOOK_FLOW = "2ad34a16-dc17-42da-b67a-4d68d0046832"
DARREN_START = "4db61df1-f214-4037-9a89-1276bc83a83a"
DARREN_GATEWAY = "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"


class Sandbox:
    """Test-side handle on the sandbox's control path (`/_sandbox/`)."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def _control(self, method: str, name: str, body=None):
        response = self.http.request(method, f"{self.url}/_sandbox/{name}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self):
        self._control("POST", "reset")

    def faults(self, **settings):
        return self._control("POST", "faults", settings)

    def clear_faults(self):
        self._control("DELETE", "faults")

    def config(self, **settings):
        return self._control("POST", "config", settings)

    def revoke(self, access=True, refresh=False):
        self._control("POST", "revoke", {"access": access, "refresh": refresh})

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict]:
        entries = self._control("GET", "requests")
        return [
            e
            for e in entries
            if (path is None or re.search(path, e["path"]))
            and (method is None or e["method"] == method)
        ]

    def api_requests(self) -> list[dict]:
        """Calls other than sign-in and refresh."""
        return [e for e in self.requests() if not e["path"].endswith("/oauth/authorize")]

    def refreshes(self) -> list[dict]:
        return [e for e in self.requests() if e.get("grant") == "refresh"]

    def clear_log(self):
        self._control("DELETE", "requests")

    def calls(self):
        return self._control("GET", "calls")

    def create_account(self, name: str, devices: int) -> str:
        return self._control("POST", "accounts", {"name": name, "devices": devices})["id"]

    def port_in(self, account_id: str, number: str) -> dict:
        """A number ported in to the account (allocation happens outside the API)."""
        return self._control("POST", f"accounts/{account_id}/ddis", {"name": number})

    def api(self, method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return self.http.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs)

    def token(self, username="demo", password="1234") -> str:
        response = self.http.post(
            f"{self.url}/api/v1/oauth/authorize",
            data={"username": username, "password": password},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    server = start(data_dir=tmp_path_factory.mktemp("sandbox"), port=0)
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    handle = Sandbox(sandbox_server.url)
    handle.reset()
    settings.CALLABLE_API_URL = sandbox_server.url
    yield handle
    handle.reset()


def _clear_cache():
    try:
        cache.clear()
    except RuntimeError:
        pass  # the default cache is a database table, and this test has no database


def clear_cache_for(request):
    """Empty the cache for a test. The default cache lives in the database: when the test has
    one, it is set up first."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            break
    _clear_cache()


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    clear_cache_for(request)
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _closed_breakers():
    # Paths carry the same ids in every test: one test's failures must not pause the next's calls.
    breaker.reset()
    yield
    breaker.reset()


def sign_in(client, username="demo", password="1234", next_url=""):
    return client.post("/login/", {"username": username, "password": password, "next": next_url})


@pytest.fixture
def demo_client(client, sandbox, db):
    response = sign_in(client, "demo")
    assert response.status_code == 302, response.content[:500]
    sandbox.clear_log()
    return client


@pytest.fixture
def support_client(client, sandbox, db):
    response = sign_in(client, "support")
    assert response.status_code == 302, response.content[:500]
    sandbox.clear_log()
    return client
