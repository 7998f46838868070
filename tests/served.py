"""The dashboard as it ships: gunicorn processes over one database, in front of the test
sandbox, for tests about several processes and real concurrency."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dashboard_env(sandbox_url: str, **extra: str) -> dict[str, str]:
    """The environment of a dashboard process on this test's database (`transactional_db`)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "callable_admin.settings",
        "CALLABLE_API_URL": sandbox_url,
        "DATABASE_URL": this_database_url(),
        "HTTPS_ONLY": "0",
        "DEBUG": "0",
        "MANIFEST_STATIC": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at",
        **extra,
    }
    for name in ("CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"):
        if name not in extra:
            env.pop(name, None)  # the shipped defaults, whatever this test process runs with
    return env


class Gunicorn:
    """One gunicorn (its master and `workers` processes) on a free loopback port; a context
    manager that stops it on leaving."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, threads: int = 8, log: Path):
        self.env, self.workers, self.threads, self.log = env, workers, threads, log
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        # The shipped default cache is a table, which `migrate` makes only when the migrating
        # process's own cache is one: a test process on Redis (CI's second run) made none.
        subprocess.run(
            [sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=self.env, check=True
        )
        command = [sys.executable, "-m", "gunicorn", "callable_admin.wsgi:application"]
        command += ["--bind", self.url.removeprefix("http://")]
        command += ["--workers", str(self.workers), "--threads", str(self.threads)]
        command += ["--graceful-timeout", "2", "--log-level", "warning"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        ends = time.monotonic() + 60
        while time.monotonic() < ends:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log.read_text()[-3000:])
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)  # waiting for another process to listen: no clock to move
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def sign_in(self, username: str = "demo", password: str = "1234") -> requests.Session:
        session = requests.Session()
        session.get(self.url + "/login/", timeout=30).raise_for_status()
        answer = session.post(
            self.url + "/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/",
            },
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302 and not answer.headers["Location"].startswith("/login")
        return session


def form_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def this_database_url() -> str:
    """The test database this process uses (create it with `transactional_db`), for other
    processes to share: SQLite's file, or the PostgreSQL test database."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
