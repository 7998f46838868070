"""The one settings module. Everything a deployment changes comes from the environment
(or a `.env` file beside manage.py), read with django-environ."""

import os
import tempfile
from pathlib import Path

import environ

from callable_admin import __version__

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key() -> str:
    """For the demo and tests: a random key kept in var/, shared by every local process."""
    path = BASE_DIR / "var" / "secret_key"
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    # A key invented per container would sign everyone out at each restart and differ between
    # replicas: production must be given one. The demo and the tests opt in to a local key.
    if not (DEBUG or env.bool("LOCAL_SECRET_KEY", default=False)):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (or in .env) to a long "
            "random string that every process and container shares, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`. "
            "For a local demo only, LOCAL_SECRET_KEY=1 keeps a random key in var/secret_key."
        )
    SECRET_KEY = _local_secret_key()
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Fernet keys for the tokens kept in the database: the first encrypts, all decrypt (rotation).
# Empty: keys derived from SECRET_KEY and SECRET_KEY_FALLBACKS.
TOKEN_KEYS = env.list("TOKEN_KEYS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)

CALLABLE_API_URL = env("CALLABLE_API_URL", default="http://127.0.0.1:8100").rstrip("/")
CALLABLE_API_TIMEOUT = env.float("CALLABLE_API_TIMEOUT", default=10.0)
CALLABLE_API_CONNECT_TIMEOUT = env.float("CALLABLE_API_CONNECT_TIMEOUT", default=3.0)
CALLABLE_API_POOL_SIZE = env.int("CALLABLE_API_POOL_SIZE", default=16)
# One budget per page for all its upstream calls: each call gets only what is left of it.
CALLABLE_API_DEADLINE = env.float("CALLABLE_API_DEADLINE", default=10.0)
CALLABLE_API_USER_AGENT = f"callable-admin/{__version__}"

# Role names as the upstream's JWT spells them; an organisation with other names maps them here.
ROLE_ADMIN = env("ROLE_ADMIN", default="OrganisationAdmin")
ROLE_VOICE = env("ROLE_VOICE", default="VoiceChannel")

# Refresh an access token this many seconds before it expires.
TOKEN_REFRESH_MARGIN = env.int("TOKEN_REFRESH_MARGIN", default=30)
# Failed sign-ins: per (username, address) and per address over a short window; per username
# a higher count over a longer one, which only refuses addresses that have failed before.
SIGNIN_MAX_FAILURES = env.int("SIGNIN_MAX_FAILURES", default=5)
SIGNIN_MAX_ADDRESS_FAILURES = env.int("SIGNIN_MAX_ADDRESS_FAILURES", default=20)
SIGNIN_FAILURE_WINDOW = env.int("SIGNIN_FAILURE_WINDOW", default=15 * 60)
SIGNIN_MAX_USER_FAILURES = env.int("SIGNIN_MAX_USER_FAILURES", default=50)
SIGNIN_USER_FAILURE_WINDOW = env.int("SIGNIN_USER_FAILURE_WINDOW", default=60 * 60)

# Shown under the sign-in form; the demo sets it to its users. Empty in production.
SIGNIN_HINT = env("SIGNIN_HINT", default="")

# Where a number typed without its country code is read, when nothing says better.
PHONE_REGION = env("PHONE_REGION", default="GB")
# The number directory (search by number or domain) is rebuilt in the background when older.
DIRECTORY_MAX_AGE = env.int("DIRECTORY_MAX_AGE", default=10 * 60)
DIRECTORY_FANOUT = env.int("DIRECTORY_FANOUT", default=8)  # upstream reads in flight per build
# The canvas's drawing is kept by what it was drawn from (flows/drawings.py) this long, and a flow
# of this many devices or more comes in two parts: what the canvas opens on, then the rest.
DRAWING_SECONDS = env.int("DRAWING_SECONDS", default=10 * 60)
FLOW_PARTS_FROM = env.int("FLOW_PARTS_FROM", default=500)

TRUNK_ZONES = env.list(
    "TRUNK_ZONES", default=["eu-west-1", "eu-west-2", "us-east-1", "us-west-2", "ap-southeast-2"]
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "callable_admin.signin",
    "callable_admin.accounts",
    "callable_admin.audit",
    "callable_admin.calls",
    "callable_admin.locks",
    "callable_admin.directory",
    "flows",
]

MIDDLEWARE = [
    "callable_admin.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "callable_admin.headers.PageHeadersMiddleware",
    "callable_admin.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "callable_admin.signin.middleware.UpstreamSessionMiddleware",
    "callable_admin.middleware.UpstreamErrorMiddleware",
]

ROOT_URLCONF = "callable_admin.urls"
WSGI_APPLICATION = "callable_admin.wsgi.application"
AUTH_USER_MODEL = "signin.CallableUser"
LOGIN_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # upstream values: |isolated, |masked_url, |inert, |masked_as, |phone in every template
            "builtins": [
                "callable_admin.templatetags.shown",
                "callable_admin.templatetags.phones",
                "callable_admin.templatetags.urls",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "callable_admin.context_processors.dashboard",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Threads and processes share the file: wait for locks, let readers run beside a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests too use a file (not shared-cache memory, whose table locks fail at once).
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"callable-admin-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The default is a table in the database, so every process shares it (sign-in throttling counts);
# `migrate` creates it (see callable_admin/signin/apps.py).
CACHES = {
    "default": env.cache_url_config(
        env("CACHE_URL", default="") or "dbcache://callable_admin_cache"
    )
}
if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    # Culling deletes a third of the entries when full: make that rare, or counts would vanish.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 100_000)
if env("PYTEST_XDIST_WORKER", default="") and "redis" in CACHES["default"]["BACKEND"].lower():
    # Tests only: each parallel test worker gets its own Redis database to flush.
    _worker = int(env("PYTEST_XDIST_WORKER").removeprefix("gw") or 0)
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")
    CACHES["default"]["LOCATION"] = f"{_base}/{int(_db or 0) + 1 + _worker}"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False  # the sign-in middleware renews the idle clock each minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "callable_admin.errors.csrf_failure"
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31536000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
# Behind our own TLS proxy: trust its X-Forwarded-Proto, and the address it appends last to
# X-Forwarded-For (sign-in throttling counts per client, not per proxy).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = (
    [] if HTTPS_ONLY else ["security.W004", "security.W008", "security.W012", "security.W016"]
)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("MANIFEST_STATIC", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "callable_admin.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per request comes from RequestIdMiddleware; a 4xx (a form error) is not a warning.
    "loggers": {"django.server": {"level": "WARNING"}, "django.request": {"level": "ERROR"}},
}
