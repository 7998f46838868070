"""HTTP behaviour: 404/405, keep-alive, concurrency, hostile raw requests, restarts, the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.server import start

ROOT = Path(__file__).resolve().parents[2]
DARREN = "5554872eb0731b38efa4d444"
ACCOUNT = f"/api/v1/account/{DARREN}"
TRUNK = "66aa8915-834a-3004-8363-9c73690d8fe1"
UNKNOWN_ACCOUNT = "/api/v1/account/ffffffffffffffffffffffff"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api",
        "/api/v2/account",
        "/api/v1/accounts",
        f"{ACCOUNT}/trunks",
        f"{ACCOUNT}/trunk/{TRUNK}/x",
        "/favicon.ico",
    ],
)
def test_unknown_paths_are_404_json(demo, path):
    response = demo.get(path)

    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}


@pytest.mark.parametrize(
    "path",
    [
        UNKNOWN_ACCOUNT,
        f"{UNKNOWN_ACCOUNT}/address",
        f"{UNKNOWN_ACCOUNT}/ddi",
        f"{UNKNOWN_ACCOUNT}/trunk",
        f"{UNKNOWN_ACCOUNT}/hook/x",
        f"{ACCOUNT}/trunk/no-such-trunk",
        f"{ACCOUNT}/hook/no-such-hook",
        f"{ACCOUNT}/device/no-such-device",
        "/api/v1/account/%2E%2E",
        "/api/v1/account/caf%C3%A9",
    ],
)
def test_unknown_accounts_and_objects_are_404_json(demo, path):
    response = demo.get(path)

    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", f"{ACCOUNT}/trunk/{TRUNK}", "GET, PUT, DELETE"),
        ("DELETE", f"{ACCOUNT}/address", "GET, PUT"),
        ("PUT", "/api/v1/account", "GET"),
        ("POST", f"{ACCOUNT}/ddi", "GET"),
        ("GET", f"{ACCOUNT}/channels/voice", "POST"),
        ("GET", "/api/v1/oauth/authorize", "POST"),
        ("DELETE", f"{ACCOUNT}/trunk", "GET, POST"),
        ("FROB", ACCOUNT, "GET"),
    ],
)
def test_wrong_methods_are_405_with_allow(demo, method, path, allow):
    response = demo.request(method, path)

    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json()["message"]


def test_keep_alive_reuses_one_connection(sandbox, demo):
    with requests.Session() as session:
        session.headers.update(demo.session.headers)
        opened = sandbox.connections_opened
        first = session.get(sandbox.url + ACCOUNT)
        second = session.get(sandbox.url + f"{ACCOUNT}/device")

    assert first.status_code == second.status_code == 200
    assert sandbox.connections_opened == opened + 1
    assert first.headers["Content-Length"] == str(len(first.content))


def test_a_204_keeps_the_connection_usable(sandbox, demo):
    with requests.Session() as session:
        session.headers.update(demo.session.headers)
        opened = sandbox.connections_opened
        address = session.get(sandbox.url + f"{ACCOUNT}/address").json()
        assert session.put(sandbox.url + f"{ACCOUNT}/address", json=address).status_code == 204
        assert (
            session.post(
                sandbox.url + f"{ACCOUNT}/trunk", json={"ip": "1.2.3.4", "port": 1}
            ).status_code
            == 201
        )
        assert session.get(sandbox.url + ACCOUNT).status_code == 200

    assert sandbox.connections_opened == opened + 1


def test_concurrent_reads_and_writes_from_threads(demo, sandbox, sign_in):
    token = sign_in(sandbox.url, "demo")["access_token"]
    failures: list[str] = []

    def client(number: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            for step in range(15):
                read = session.get(sandbox.url + f"{ACCOUNT}/device", timeout=10)
                write = session.post(
                    sandbox.url + f"{ACCOUNT}/trunk",
                    json={"ip": f"198.51.{number}.{step + 1}", "port": 5060},
                    timeout=10,
                )
                if read.status_code != 200 or write.status_code != 201:
                    failures.append(f"{read.status_code} {write.status_code}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    trunks = demo.get(f"{ACCOUNT}/trunk").json()
    assert len(trunks) == 1 + 12 * 15
    assert len({trunk["id"] for trunk in trunks}) == len(trunks)


def raw(sandbox, data: bytes) -> bytes:
    """Send bytes as they are and read the whole answer (the sandbox closes after an error)."""
    with socket.create_connection((sandbox.host, sandbox.port), timeout=5) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /api/v1/account HTTP/1.1\r\nBroken header line\r\n\r\n",
        b"PUT /api/v1/account HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"PUT /api/v1/account HTTP/1.1\r\nContent-Length: lots\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET /api/v1/account HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n",
        b"POST /api/v1/oauth/authorize HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_broken_http_is_answered_4xx_json_never_5xx(sandbox, data):
    answer = raw(sandbox, data)

    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500
    assert b"application/json" in answer.split(b"\r\n\r\n")[0]


def test_an_http_version_it_cannot_speak_is_505_like_any_server(sandbox):
    answer = raw(sandbox, b"GET /api/v1/account HTTP/9.9\r\n\r\n")

    assert answer.startswith(b"HTTP/1.1 505 ")
    assert answer.endswith(b'{"message":"Invalid HTTP version (9.9)"}')


def test_a_chunked_body_is_read(sandbox):
    body = b"username=demo&password=1234"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    request = (
        b"POST /api/v1/oauth/authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )

    answer = raw(sandbox, request + chunked)

    assert answer.startswith(b"HTTP/1.1 200 ")


def test_a_body_over_a_megabyte_is_413(demo):
    response = demo.put(f"{ACCOUNT}/address", data=b"{" + b" " * (1024 * 1024 + 1) + b"}")

    assert response.status_code == 413


def test_head_answers_headers_only(sandbox):
    answer = raw(
        sandbox, f"HEAD {ACCOUNT} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405 ")
    assert body == b""


WRITES = [
    ("PUT", f"{ACCOUNT}/address"),
    ("POST", f"{ACCOUNT}/trunk"),
    ("PUT", f"{ACCOUNT}/trunk/{TRUNK}"),
    ("POST", f"{ACCOUNT}/hook"),
    ("POST", f"{ACCOUNT}/device"),
    ("PUT", f"{ACCOUNT}/device/4db61df1-f214-4037-9a89-1276bc83a83a"),
    ("POST", f"{ACCOUNT}/channels/voice"),
    ("POST", "/api/v1/oauth/authorize"),
    ("POST", "/_sandbox/faults"),
    ("POST", "/_sandbox/config"),
    ("POST", "/_sandbox/accounts"),
]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    write=st.sampled_from(WRITES),
    body=st.one_of(st.binary(max_size=200), JSONISH.map(lambda value: json.dumps(value).encode())),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", None]
    ),
)
def test_fuzzed_bodies_never_get_a_5xx(demo, write, body, content_type):
    method, path = write
    headers = {"Content-Type": content_type} if content_type else {}

    response = demo.request(method, path, data=body, headers=headers)

    assert response.status_code < 500, response.text
    assert response.headers.get("Content-Type", "application/json").startswith("application/json")


def test_state_survives_a_restart(tmp_path, sign_in, api_for):
    with start(data_dir=tmp_path) as first:
        token = sign_in(first.url, "demo")["access_token"]
        api = api_for(first.url, token)
        api.put(f"{ACCOUNT}/address", json={"line1": "After the move", "country": "Ireland"})
        api.post(f"{ACCOUNT}/trunk", json={"ip": "192.0.2.7", "port": 5070, "x-site": "Cork"})
        api.delete(f"{ACCOUNT}/hook/3ab34a16-dc17-42da-b67a-4d68d0046822")

    with start(data_dir=tmp_path) as second:
        api = api_for(second.url, token)  # the signing key is kept too
        assert api.get(f"{ACCOUNT}/address").json() == {
            "line1": "After the move",
            "country": "Ireland",
        }
        trunks = api.get(f"{ACCOUNT}/trunk").json()
        assert trunks[-1]["x-site"] == "Cork"
        assert len(api.get(f"{ACCOUNT}/hook").json()) == 1
        assert (tmp_path / "sandbox.sqlite3").exists()


def test_a_refresh_token_used_before_a_restart_stays_dead(tmp_path, sign_in):
    with start(data_dir=tmp_path) as first:
        tokens = sign_in(first.url, "demo")
        requests.post(
            first.url + "/api/v1/oauth/authorize",
            data={"token": tokens["refresh_token"]},
            timeout=5,
        )

    with start(data_dir=tmp_path) as second:
        response = requests.post(
            second.url + "/api/v1/oauth/authorize",
            data={"token": tokens["refresh_token"]},
            timeout=5,
        )
        assert response.status_code == 401


def test_stop_ends_idle_keep_alive_connections(tmp_path, sign_in):
    sandbox = start(data_dir=tmp_path)
    session = requests.Session()
    session.get(sandbox.url + "/api/v1/openapi.json", timeout=5)

    sandbox.stop()

    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(sandbox.url + "/api/v1/openapi.json", timeout=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_prints_where_it_listens_and_how_to_sign_in(tmp_path):
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port)],
        cwd=tmp_path,  # the default data dir, var/sandbox, lands here
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert f"listening on http://127.0.0.1:{port}" in lines[0]
        assert "demo / 1234" in lines[1] and "support / 1234" in lines[1]
        response = requests.post(
            f"http://127.0.0.1:{port}/api/v1/oauth/authorize",
            data={"username": "support", "password": "1234"},
            timeout=5,
        )
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert process.returncode == 0
    assert (tmp_path / "var" / "sandbox" / "sandbox.sqlite3").exists()
