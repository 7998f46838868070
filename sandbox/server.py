"""HTTP glue: a threading HTTP/1.1 server (keep-alive) that hands each request to `api.App`.

from sandbox.server import start
with start(data_dir=tmp_path, port=0) as sandbox:
    requests.get(sandbox.url + "/api/v1/account", headers=...)
"""

from __future__ import annotations

import os
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox.api import App, Request, Response, json_response
from sandbox.store import Store

MAX_BODY = 1024 * 1024
DEFAULT_ACCESS_TTL = 3600
DEFAULT_REFRESH_TTL = 36000


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response says its length
    server_version = "CallableSandbox/1.0"
    sys_version = ""
    timeout = 300  # an idle keep-alive connection is closed after this long
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        # Small responses must not wait for the client's delayed ACK (Nagle).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)
            self.server.connections_opened += 1

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def __getattr__(self, name: str):
        # Every method, known or not, goes to the app, which answers 405 or 404 as JSON.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, huge headers) as JSON too, then close."""
        self.close_connection = True
        self._write(json_response(code, {"message": message or _phrase(code)}))

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            size = int(length)
            if size < 0:
                raise ValueError(length)
        except ValueError:
            self.send_error(400, "Invalid Content-Length")
            return None
        if size > MAX_BODY:
            self.send_error(413, f"Request body over {MAX_BODY} bytes")
            return None
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes | None:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self.send_error(400, "Malformed chunked body")
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                self.send_error(413, f"Request body over {MAX_BODY} bytes")
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        request = Request(self.command, self.path, dict(self.headers.items()), body)
        response = self.server.app.handle(request)
        if response.drop:
            self.close_connection = True
            return
        self.log_request(response.status)
        self._write(response)

    def _write(self, response: Response) -> None:
        head = [
            f"HTTP/1.1 {response.status} {_phrase(response.status)}",
            f"Server: {self.server_version}",
            f"Date: {formatdate(usegmt=True)}",
        ]
        head.extend(f"{name}: {value}" for name, value in response.headers.items())
        if response.status != 204:  # a 204 carries no body and, per RFC 9110, no length
            head.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            head.append("Connection: close")
        body = b"" if self.command == "HEAD" or response.status == 204 else response.body
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + body
        try:
            self.wfile.write(data)  # one write: head and body in one segment
        except OSError:
            self.close_connection = True


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, *, verbose: bool = False):
        self.app = app
        self.verbose = verbose
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.connections_opened = 0  # tests read it to see keep-alive reuse connections
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # Skip HTTPServer's reverse DNS lookup of the host: it can stall start-up for seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client went away mid-request: nothing to report
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _ttl(value: int | None, variable: str, default: int) -> int:
    if value is not None:
        return int(value)
    return int(os.environ.get(variable) or default)


class Sandbox:
    """A running sandbox: `.url` (no trailing slash), `.port`, `.app`, `.stop()`; a context manager."""

    def __init__(self, httpd: SandboxHTTPServer, store: Store, data_dir: Path):
        self._httpd = httpd
        self._store = store
        self.app = httpd.app
        self.data_dir = data_dir
        self.host, self.port = httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._stopped = False

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted so far: keep-alive clients open one and reuse it."""
        return self._httpd.connections_opened

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.app.stopping.set()
        self.app.interrupt.set()  # wakes requests sleeping in latency or hang faults
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join(timeout=5)
        with self._store.transaction():
            pass  # wait for a write in flight to commit before closing
        self._store.close()

    def wait(self) -> None:
        """Block until stopped (the CLI's main loop); Ctrl-C stops."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start(
    data_dir: str | os.PathLike = "var/sandbox",
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    access_ttl: int | None = None,
    refresh_ttl: int | None = None,
    created: str = "empty",
    rotate_refresh: bool = True,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    fail_rate: float = 0.0,
    fail_status: int | None = None,
    hang_seconds: float = 60.0,
    clock: Callable[[], float] = time.time,
    reset: bool = False,
    verbose: bool = False,
) -> Sandbox:
    """Start a sandbox serving in a background thread; state lives in SQLite under `data_dir`.

    port=0 picks a free port. TTLs default to env SANDBOX_ACCESS_TTL / SANDBOX_REFRESH_TTL, then
    3600 / 36000 s. `clock` (seconds, like time.time) judges token lifetimes: tests move it.
    The fault options are the ones given back by POST /_sandbox/reset.
    """
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    store = Store(directory / "sandbox.sqlite3")
    try:
        faults = {
            "latency_ms": latency_ms,
            "jitter_ms": jitter_ms,
            "fail_rate": fail_rate,
            "fail_status": fail_status,
            "hang_seconds": hang_seconds,
        }
        app = App(
            store,
            access_ttl=_ttl(access_ttl, "SANDBOX_ACCESS_TTL", DEFAULT_ACCESS_TTL),
            refresh_ttl=_ttl(refresh_ttl, "SANDBOX_REFRESH_TTL", DEFAULT_REFRESH_TTL),
            created=created,
            rotate_refresh=rotate_refresh,
            faults=faults,
            clock=clock,
        )
        if reset:
            app.reset()
        httpd = SandboxHTTPServer((host, port), app, verbose=verbose)
    except BaseException:
        store.close()
        raise
    return Sandbox(httpd, store, directory)
