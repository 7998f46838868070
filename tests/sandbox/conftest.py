"""Fixtures for the sandbox's own tests: one sandbox per session, reset before every test."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.server import start


class FakeClock:
    """The sandbox's idea of now; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """requests against one sandbox, signed in (or not) as one user."""

    def __init__(self, url: str, token: str | None = None):
        self.url = url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def _sign_in(url: str, username: str, password: str = "1234") -> dict:
    response = requests.post(
        url + "/api/v1/oauth/authorize",
        data={"username": username, "password": password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory, clock):
    with start(data_dir=tmp_path_factory.mktemp("sandbox"), port=0, clock=clock) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server, clock):
    """The session's sandbox with seeded data and no faults, log or config left by another test."""
    clock.now = time.time()
    response = requests.post(sandbox_server.url + "/_sandbox/reset", timeout=10)
    assert response.status_code == 204
    return sandbox_server


@pytest.fixture
def control(sandbox) -> Api:
    return Api(sandbox.url)


@pytest.fixture
def demo(sandbox) -> Api:
    return Api(sandbox.url, _sign_in(sandbox.url, "demo")["access_token"])


@pytest.fixture
def support(sandbox) -> Api:
    return Api(sandbox.url, _sign_in(sandbox.url, "support")["access_token"])


@pytest.fixture
def anonymous(sandbox) -> Api:
    return Api(sandbox.url)


@pytest.fixture(scope="session")
def sign_in():
    """sign_in(url, username, password="1234") -> the token response, asserting a 200."""
    return _sign_in


@pytest.fixture(scope="session")
def api_for():
    """api_for(url, token=None) -> an Api on any sandbox (one started by the test itself)."""
    return Api
