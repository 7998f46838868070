"""What can be checked of the Docker image and production settings without a Docker engine."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "HTTPS_ONLY": "1",
    "MANIFEST_STATIC": "1",
    "ALLOWED_HOSTS": "admin.example.com",
    "SECRET_KEY": "kq3v0y8y0mF5bYl1aQj2wL7nX9pR4sT6uV8wZ0cE2gI4kM6oQ8sU0wY2aC4eG6iK",
    "DJANGO_SETTINGS_MODULE": "callable_admin.settings",
}


def run(args, tmp_path, **extra):
    env = dict(
        os.environ, **PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright; production never has it
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_with_no_warning(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_works_and_compresses(tmp_path):
    result = run(
        ["manage.py", "collectstatic", "--noinput", "-v0"],
        tmp_path,
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "static" / "css").glob("app.*.css.gz"))


def test_the_containers_command_imports(tmp_path):
    code = "import gunicorn.app.wsgiapp, callable_admin.wsgi; print('ok')"
    result = run(["-c", code], tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_dockerfile_runs_as_non_root_with_a_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER app" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "collectstatic" in dockerfile and "gunicorn" in dockerfile


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    code = "import django; django.setup(); print('started')"
    env = dict(os.environ, **PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.update(SECRET_KEY="", LOCAL_SECRET_KEY="")

    def run(args, tmp_path, **extra):
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )

    refused = run(["-c", code], tmp_path)
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "SECRET_KEY is not set" in refused.stderr
    assert "Traceback" in refused.stderr  # ImproperlyConfigured, with the message last
    assert (
        refused.stderr.strip()
        .splitlines()[-1]
        .startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set")
    )
    # The demo and the tests opt in to a key kept in var/; DEBUG makes one too.
    assert (
        run(["-c", code], tmp_path, **env | {"LOCAL_SECRET_KEY": "1"}).stdout.strip() == "started"
    )
    assert run(["-c", code], tmp_path, **env | {"DEBUG": "1"}).stdout.strip() == "started"


def test_migrate_creates_the_database_cache_table_too(tmp_path):
    import sqlite3

    result = run(["manage.py", "migrate", "--noinput", "-v0"], tmp_path, CACHE_URL="")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "callable_admin_cache" in tables
