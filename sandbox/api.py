"""The Callable API as the sandbox serves it: a Request in, a Response out, no sockets.

`App.handle` is the whole behaviour; `server.py` only moves bytes. Paths under /api/ are the
provider's calls (faults, request log); paths under /_sandbox/ steer the sandbox (no auth).
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import parse_qs, quote, unquote

from sandbox import openapi, seed, validation
from sandbox.faults import Faults, FaultSettingsError
from sandbox.store import Store
from sandbox.tokens import Principal, TokenRejected, Tokens, check_password

ADMIN_ROLE = "OrganisationAdmin"
VOICE_ROLE = "VoiceChannel"
CREATED_MODES = ("empty", "body", "location")
MAX_TTL = 10 * 365 * 24 * 3600
REQUEST_LOG_SIZE = 10_000
LOGGED_BODY_LIMIT = 64 * 1024
MAX_SYNTHETIC_DEVICES = 20_000
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
OBJECT_NAMES = {"trunk": "Trunk", "hook": "Hook", "device": "Device"}


@dataclass
class Request:
    method: str
    target: str  # as on the request line: path and query
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        self.headers = {name.lower(): value for name, value in self.headers.items()}
        self.path, _, self.query = self.target.partition("?")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def media_type(self) -> str | None:
        value = self.header("content-type")
        return value.split(";")[0].strip().lower() if value else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering

    def json(self) -> object:
        return json.loads(self.body)


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    try:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate a client sent, echoed in the request log
        body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def raw_json_response(status: int, raw: str) -> Response:
    """A stored document sent as it is, without a parse and re-dump on the hot GET path."""
    return Response(status, raw.encode(), {"Content-Type": JSON_TYPE})


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status = status
        self.payload = {"message": message, **extra}
        self.headers = headers or {}

    def response(self) -> Response:
        return json_response(self.status, self.payload, self.headers)


def validation_failed(errors: list[dict]) -> ApiError:
    return ApiError(400, "Validation failed", errors=errors)


@dataclass
class Call:
    """One request on its way through: what the request log records about it."""

    request: Request
    params: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    grant: str | None = None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(request: Request, *, allow_empty: bool = False) -> dict:
    media_type = request.media_type()
    if media_type is not None and media_type != JSON_TYPE and not media_type.endswith("+json"):
        raise ApiError(400, "Content-Type must be application/json")
    if not request.body.strip():
        if allow_empty:
            return {}
        raise ApiError(400, "Request body must be a JSON object")
    try:
        doc = json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "Malformed JSON") from exc
    if not isinstance(doc, dict):
        raise ApiError(400, "Request body must be a JSON object")
    if validation.depth(doc) > validation.MAX_DEPTH:
        raise ApiError(400, f"JSON nests deeper than {validation.MAX_DEPTH} levels")
    try:
        json.dumps(doc, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:  # lone surrogates: valid JSON escapes, invalid text
        raise ApiError(400, "JSON strings must be valid Unicode") from exc
    return doc


def _mentions(value: object, target: str, path: str = ""):
    """Paths of string values equal to `target` anywhere in a document."""
    stack = [(path, value)]
    while stack:
        current_path, current = stack.pop()
        if isinstance(current, str):
            if current == target:
                yield current_path
        elif isinstance(current, dict):
            for key, child in current.items():
                stack.append((f"{current_path}.{key}" if current_path else key, child))
        elif isinstance(current, list):
            stack.extend((f"{current_path}[{index}]", child) for index, child in enumerate(current))


Route = tuple[re.Pattern, dict[str, str]]


def _routes(table: list[tuple[str, dict[str, str]]]) -> list[Route]:
    return [(re.compile(pattern), methods) for pattern, methods in table]


ACCOUNT = r"/api/v1/account/(?P<account>[^/]+)"
API_ROUTES = _routes(
    [
        (r"/api/v1/oauth/authorize", {"POST": "authorize"}),
        (r"/api/v1/openapi\.json", {"GET": "openapi_document"}),
        (r"/api/v1/userAccounts/me", {"GET": "organisation"}),
        (r"/api/v1/account", {"GET": "list_accounts"}),
        (ACCOUNT, {"GET": "get_account"}),
        (ACCOUNT + r"/address", {"GET": "get_address", "PUT": "put_address"}),
        (ACCOUNT + r"/ddi", {"GET": "list_ddis"}),
        (
            ACCOUNT + r"/(?P<kind>trunk|hook|device)",
            {"GET": "list_objects", "POST": "create_object"},
        ),
        (
            ACCOUNT + r"/(?P<kind>trunk|hook|device)/(?P<object>[^/]+)",
            {"GET": "get_object", "PUT": "replace_object", "DELETE": "delete_object"},
        ),
        (ACCOUNT + r"/channels/voice", {"POST": "create_call"}),
    ]
)
CONTROL_ROUTES = _routes(
    [
        (r"/_sandbox/?", {"GET": "control_index"}),
        (
            r"/_sandbox/faults",
            {"GET": "get_faults", "POST": "set_faults", "DELETE": "clear_faults"},
        ),
        (r"/_sandbox/requests", {"GET": "get_requests", "DELETE": "clear_requests"}),
        (r"/_sandbox/config", {"GET": "get_config", "POST": "set_config"}),
        (r"/_sandbox/revoke", {"POST": "revoke"}),
        (r"/_sandbox/reset", {"POST": "reset_state"}),
        (r"/_sandbox/accounts", {"POST": "create_synthetic_account"}),
        (r"/_sandbox/accounts/(?P<account>[^/]+)/ddis", {"POST": "port_in_ddi"}),
        (r"/_sandbox/calls", {"GET": "get_calls", "DELETE": "clear_calls"}),
    ]
)


class App:
    def __init__(
        self,
        store: Store,
        *,
        access_ttl: int = 3600,
        refresh_ttl: int = 36000,
        created: str = "empty",
        rotate_refresh: bool = True,
        faults: dict | None = None,
        clock: Callable[[], float] = time.time,
        stopping: threading.Event | None = None,
    ):
        self.store = store
        self.clock = clock
        self.stopping = stopping or threading.Event()
        # Set (and replaced) by a reset: requests asleep in a fault end unanswered and unlogged,
        # so a hang from one test cannot land in the next test's data or log.
        self.interrupt = threading.Event()
        self.tokens = Tokens(store, clock)
        self.faults = Faults(faults)
        errors = self._config_errors(
            {
                "access_ttl": access_ttl,
                "refresh_ttl": refresh_ttl,
                "created": created,
                "rotate_refresh": rotate_refresh,
            }
        )
        if errors:
            raise ValueError("; ".join(f"{e['field']} {e['message']}" for e in errors))
        self._initial_config = {
            "access_ttl": access_ttl,
            "refresh_ttl": refresh_ttl,
            "created": created,
            "rotate_refresh": rotate_refresh,
        }
        self.config = dict(self._initial_config)
        self._log: deque[dict] = deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()
        self._seq = 0
        self._openapi = json.dumps(openapi.document(), ensure_ascii=False).encode()
        if store.meta_get("seeded") is None:
            store.load(list(seed.rows()))
            store.meta_set("seeded", "1")

    # entry point

    def handle(self, request: Request) -> Response:
        try:
            if request.path.startswith("/api/"):
                return self._serve_api(request)
            if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
                return self._dispatch(CONTROL_ROUTES, Call(request))
            return ApiError(404, "Not found").response()
        except Exception:  # a bug must still answer as JSON and leave the server up
            traceback.print_exc(file=sys.stderr)
            return json_response(500, {"message": "Internal sandbox error"})

    def _dispatch(self, routes: list[Route], call: Call) -> Response:
        request = call.request
        try:
            for pattern, methods in routes:
                match = pattern.fullmatch(request.path)
                if match is None:
                    continue
                handler_name = methods.get(request.method)
                if handler_name is None:
                    raise ApiError(
                        405,
                        f"Method {request.method} not allowed on this path",
                        headers={"Allow": ", ".join(methods)},
                    )
                call.params = {name: unquote(value) for name, value in match.groupdict().items()}
                return getattr(self, handler_name)(call)
            raise ApiError(404, "Not found")
        except ApiError as exc:
            return exc.response()

    def _serve_api(self, request: Request) -> Response:
        started = time.perf_counter()
        call = Call(request)
        interrupt = self.interrupt
        plan = self.faults.plan(request.method, request.path)
        if plan.delay:
            interrupt.wait(plan.delay)
        if plan.action == "drop":
            response = Response(0, drop=True)
        elif plan.action == "non_json":
            page = f"<html><body><h1>{plan.status} {_phrase(plan.status)}</h1></body></html>\n"
            response = Response(plan.status, page.encode(), {"Content-Type": "text/html"})
        elif plan.action == "fail":
            response = json_response(
                plan.status, {"message": f"Injected fault: HTTP {plan.status}"}
            )
        else:
            if plan.action == "hang":
                interrupt.wait(plan.hang_seconds)
            if self.stopping.is_set() or interrupt.is_set():
                return Response(0, drop=True)
            response = self._dispatch(API_ROUTES, call)
        self._record(call, response, plan.action, time.perf_counter() - started)
        return response

    # request log

    def _record(self, call: Call, response: Response, fault: str | None, elapsed: float) -> None:
        request = call.request
        is_token_call = request.path == "/api/v1/oauth/authorize"
        body = None
        # Token calls carry passwords and tokens: their bodies never reach the log.
        if request.method in ("POST", "PUT", "PATCH") and not is_token_call and request.body:
            if len(request.body) > LOGGED_BODY_LIMIT:
                body = f"<{len(request.body)} bytes, not kept>"
            else:
                try:
                    body = json.loads(request.body, parse_constant=_reject_constant)
                except (ValueError, RecursionError):
                    body = None
                # What cannot be dumped back must not break GET /_sandbox/requests.
                if validation.depth(body) > validation.MAX_DEPTH:
                    body = None
        entry = {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "status": None if response.drop else response.status,
            "user": call.user,
            "grant": call.grant if is_token_call else None,
            "user_agent": request.header("user-agent"),
            "body": body,
            "ms": round(elapsed * 1000, 2),
            "fault": fault,
        }
        with self._log_lock:
            self._seq += 1
            self._log.append({"seq": self._seq, **entry})

    # authentication

    def _principal(self, call: Call, role: str | None = None) -> Principal:
        header = call.request.header("authorization")
        challenge = {"WWW-Authenticate": 'Bearer realm="callable"'}
        if not header:
            raise ApiError(401, "Missing bearer token", headers=challenge)
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Authorization must be 'Bearer <access token>'", headers=challenge)
        try:
            principal = self.tokens.verify(token.strip())
        except TokenRejected as exc:
            challenge = {"WWW-Authenticate": 'Bearer realm="callable", error="invalid_token"'}
            raise ApiError(401, str(exc), headers=challenge) from exc
        call.user = principal.username
        if role is not None and role not in principal.roles:
            raise ApiError(403, f"This call needs the {role} role")
        return principal

    def _account(self, principal: Principal, account_id: str) -> dict:
        account = self.store.get("account", principal.organisation_id, account_id)
        if account is None:
            raise ApiError(404, f"Account {account_id} not found")
        return account

    # tokens

    def authorize(self, call: Call) -> Response:
        request = call.request
        if request.media_type() != FORM_TYPE:
            raise ApiError(400, f"Content-Type must be {FORM_TYPE}", error="invalid_request")
        try:
            form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "Malformed form body", error="invalid_request") from exc

        def value(name: str) -> str | None:
            values = form.get(name)
            return values[0] if values else None

        username, password, refresh_token = value("username"), value("password"), value("token")
        if refresh_token is not None and username is None and password is None:
            call.grant = "refresh"
            if not refresh_token:
                raise ApiError(400, "token must not be blank", error="invalid_request")
            try:
                # A rotating upstream uses a refresh token up; one that does not keeps it alive.
                user_id = self.tokens.redeem(refresh_token, use_up=self.config["rotate_refresh"])
            except TokenRejected as exc:
                raise ApiError(401, str(exc), error="invalid_grant") from exc
            found = self.store.find("user", "id", user_id)
            if found is None:
                raise ApiError(401, "Refresh token is not valid", error="invalid_grant")
        elif refresh_token is None and (username is not None or password is not None):
            call.grant = "password"
            if not username or not password:
                raise ApiError(400, "username and password are required", error="invalid_request")
            found = self.store.find("user", "username", username)
            if found is None or not check_password(password, found[1]["password"]):
                raise ApiError(401, "Invalid username or password", error="invalid_grant")
        else:
            raise ApiError(400, "Send username and password, or token", error="invalid_request")
        organisation_id, user = found
        call.user = user["username"]
        issued = self.tokens.issue(
            user,
            organisation_id,
            self.config["access_ttl"],
            self.config["refresh_ttl"],
            # Without rotation, a refresh answers with an access token only.
            with_refresh=call.grant == "password" or self.config["rotate_refresh"],
        )
        return json_response(200, issued, {"Cache-Control": "no-store"})

    def openapi_document(self, call: Call) -> Response:
        return Response(200, self._openapi, {"Content-Type": JSON_TYPE})

    # organisation and accounts

    def organisation(self, call: Call) -> Response:
        principal = self._principal(call)
        raw = self.store.get_raw("organisation", "", principal.organisation_id)
        if raw is None:
            raise ApiError(404, "Organisation not found")
        return raw_json_response(200, raw)

    def list_accounts(self, call: Call) -> Response:
        principal = self._principal(call)
        names = self.store.field("account", principal.organisation_id, "name")
        return json_response(200, [{"id": account_id, "name": name} for account_id, name in names])

    def get_account(self, call: Call) -> Response:
        principal = self._principal(call)
        return json_response(200, self._account(principal, call.params["account"]))

    def get_address(self, call: Call) -> Response:
        principal = self._principal(call)
        account_id = self._account(principal, call.params["account"])["id"]
        raw = self.store.get_raw("address", account_id, account_id)
        if raw is None:
            raise ApiError(404, f"Account {account_id} has no address")
        return raw_json_response(200, raw)

    def put_address(self, call: Call) -> Response:
        principal = self._principal(call, ADMIN_ROLE)
        account_id = self._account(principal, call.params["account"])["id"]
        address = parse_json(call.request)
        errors = validation.validate_address(address)
        if errors:
            raise validation_failed(errors)
        with self.store.transaction():
            if not self.store.replace("address", account_id, account_id, address):
                self.store.insert("address", account_id, account_id, address)
        return Response(204)

    def list_ddis(self, call: Call) -> Response:
        principal = self._principal(call)
        account_id = self._account(principal, call.params["account"])["id"]
        return raw_json_response(200, "[" + ",".join(self.store.list_raw("ddi", account_id)) + "]")

    # trunks, hooks, devices

    def list_objects(self, call: Call) -> Response:
        principal = self._principal(call)
        account_id = self._account(principal, call.params["account"])["id"]
        docs = self.store.list_raw(call.params["kind"], account_id)
        return raw_json_response(200, "[" + ",".join(docs) + "]")

    def get_object(self, call: Call) -> Response:
        principal = self._principal(call)
        account_id = self._account(principal, call.params["account"])["id"]
        kind, object_id = call.params["kind"], call.params["object"]
        raw = self.store.get_raw(kind, account_id, object_id)
        if raw is None:
            raise ApiError(404, f"{OBJECT_NAMES[kind]} {object_id} not found")
        return raw_json_response(200, raw)

    def _validate(self, kind: str, account_id: str, doc: dict, object_id: str | None) -> None:
        if kind == "trunk":
            others = [json.loads(raw) for raw in self.store.list_raw("trunk", account_id)]
            others = [t for t in others if t.get("id") != object_id]
            errors = validation.validate_trunk(doc, others)
        elif kind == "hook":
            errors = validation.validate_hook(doc)
        else:
            extensions = {
                extension: (device_id, name)
                for device_id, extension, name in self._extensions(account_id)
                if device_id != object_id and isinstance(extension, str)
            }
            flow = validation.Flow(
                ddi_ids=self.store.ids("ddi", account_id),
                trunk_ids=self.store.ids("trunk", account_id),
                device_ids=self.store.ids("device", account_id),
                extensions=extensions,
            )
            errors = validation.validate_device(doc, flow, object_id)
        if errors:
            raise validation_failed(errors)

    def _extensions(self, account_id: str) -> list[tuple[str, object, object]]:
        names = dict(self.store.field("device", account_id, "name"))
        return [
            (device_id, extension, names.get(device_id))
            for device_id, extension in self.store.field("device", account_id, "extension")
        ]

    def _created(self, path: str, doc: dict) -> Response:
        mode = self.config["created"]
        if mode == "body":
            return json_response(201, doc)
        if mode == "location":
            return Response(201, headers={"Location": path})
        return Response(201)

    def create_object(self, call: Call) -> Response:
        principal = self._principal(call, ADMIN_ROLE)
        account_id = self._account(principal, call.params["account"])["id"]
        kind = call.params["kind"]
        fields = parse_json(call.request)
        with self.store.transaction():
            self._validate(kind, account_id, fields, None)
            object_id = str(uuid.uuid4())
            doc = {"id": object_id, **{k: v for k, v in fields.items() if k != "id"}}
            self.store.insert(kind, account_id, object_id, doc)
        path = f"/api/v1/account/{quote(account_id, safe='')}/{kind}/{object_id}"
        return self._created(path, doc)

    def replace_object(self, call: Call) -> Response:
        principal = self._principal(call, ADMIN_ROLE)
        account_id = self._account(principal, call.params["account"])["id"]
        kind, object_id = call.params["kind"], call.params["object"]
        fields = parse_json(call.request)
        with self.store.transaction():
            if self.store.get_raw(kind, account_id, object_id) is None:
                raise ApiError(404, f"{OBJECT_NAMES[kind]} {object_id} not found")
            if "id" in fields and fields["id"] != object_id:
                raise validation_failed(
                    [{"field": "id", "message": "must match the id in the path"}]
                )
            self._validate(kind, account_id, fields, object_id)
            doc = {"id": object_id, **{k: v for k, v in fields.items() if k != "id"}}
            self.store.replace(kind, account_id, object_id, doc)
        return Response(204)

    def delete_object(self, call: Call) -> Response:
        principal = self._principal(call, ADMIN_ROLE)
        account_id = self._account(principal, call.params["account"])["id"]
        kind, object_id = call.params["kind"], call.params["object"]
        with self.store.transaction():
            if self.store.get_raw(kind, account_id, object_id) is None:
                raise ApiError(404, f"{OBJECT_NAMES[kind]} {object_id} not found")
            references = [
                {"id": device["id"], "name": device.get("name"), "field": path}
                for device in self.store.containing("device", account_id, object_id)
                if device.get("id") != object_id
                for path in _mentions({k: v for k, v in device.items() if k != "id"}, object_id)
            ]
            if references:
                names = sorted({f"'{ref['name']}'" for ref in references})
                what = "linked from" if kind == "device" else "used by"
                raise ApiError(
                    409,
                    f"{OBJECT_NAMES[kind]} is {what} device(s) {', '.join(names)}; change them first",
                    references=references,
                )
            self.store.delete(kind, account_id, object_id)
        return Response(204)

    # voice

    def create_call(self, call: Call) -> Response:
        principal = self._principal(call, VOICE_ROLE)
        account = self._account(principal, call.params["account"])
        request = parse_json(call.request)
        errors = validation.validate_voice_call(request, self.store.ids("device", account["id"]))
        if errors:
            raise validation_failed(errors)
        call_id = secrets.token_hex(12)
        caller_id = request.get("callerId") or "+" + str(account.get("mbn", ""))
        created_at = datetime.fromtimestamp(self.clock(), UTC).isoformat().replace("+00:00", "Z")
        record = {
            "id": call_id,
            "accountId": account["id"],
            "status": "queued",
            "callerId": caller_id,
            "target": request["target"],
            "createdAt": created_at,
            "user": principal.username,
            "request": request,
        }
        self.store.insert("call", account["id"], call_id, record)
        path = f"/api/v1/account/{quote(account['id'], safe='')}/channels/voice/{call_id}"
        shown = {
            k: record[k] for k in ("id", "status", "accountId", "callerId", "target", "createdAt")
        }
        return self._created(path, shown)

    # control paths

    def control_index(self, call: Call) -> Response:
        return json_response(
            200,
            {
                "faults": "GET | POST {latency_ms, jitter_ms, fail_next, fail_rate, fail_status, "
                "hang_next, hang_seconds, drop_next, non_json_next, pass_next, method, path} | DELETE",
                "requests": "GET | DELETE: the API requests received, oldest first",
                "config": "GET | POST {access_ttl, refresh_ttl, created: empty|body|location, rotate_refresh}",
                "revoke": "POST {access: bool, refresh: bool}",
                "reset": "POST: seeded data back; faults, log, config and calls cleared",
                "accounts": "POST {name, devices}: an account with a synthetic flow",
                "accounts/<id>/ddis": "POST {name}: a number ported in to the account (a DDI)",
                "calls": "GET | DELETE: the voice calls received",
                "openapi": "/api/v1/openapi.json",
            },
        )

    def get_faults(self, call: Call) -> Response:
        return json_response(200, self.faults.snapshot())

    def set_faults(self, call: Call) -> Response:
        try:
            return json_response(200, self.faults.update(parse_json(call.request)))
        except FaultSettingsError as exc:
            raise validation_failed(exc.errors) from exc

    def clear_faults(self, call: Call) -> Response:
        return json_response(200, self.faults.clear())

    def get_requests(self, call: Call) -> Response:
        with self._log_lock:
            return json_response(200, list(self._log))

    def clear_requests(self, call: Call) -> Response:
        self.clear_log()
        return Response(204)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()
            self._seq = 0

    @staticmethod
    def _config_errors(changes: dict) -> list[dict]:
        errors = []
        for name, value in changes.items():
            if name in ("access_ttl", "refresh_ttl"):
                if not validation.is_integer(value) or not 1 <= value <= MAX_TTL:
                    errors.append(
                        {"field": name, "message": f"must be seconds between 1 and {MAX_TTL}"}
                    )
            elif name == "rotate_refresh":
                if not isinstance(value, bool):
                    errors.append({"field": name, "message": "must be true or false"})
            elif name == "created":
                if value not in CREATED_MODES:
                    errors.append(
                        {"field": name, "message": "must be one of: " + ", ".join(CREATED_MODES)}
                    )
            else:
                errors.append({"field": name, "message": "is not a setting"})
        return errors

    def get_config(self, call: Call) -> Response:
        return json_response(200, self.config)

    def set_config(self, call: Call) -> Response:
        changes = parse_json(call.request)
        errors = self._config_errors(changes)
        if errors:
            raise validation_failed(errors)
        self.config = {**self.config, **changes}
        return json_response(200, self.config)

    def revoke(self, call: Call) -> Response:
        body = parse_json(call.request, allow_empty=True) or {"access": True, "refresh": True}
        access, refresh = body.get("access", False), body.get("refresh", False)
        if not isinstance(access, bool) or not isinstance(refresh, bool):
            raise ApiError(400, "access and refresh must be true or false")
        self.tokens.revoke(access=access, refresh=refresh)
        return json_response(200, {"access": access, "refresh": refresh})

    def reset(self) -> None:
        """Seeded data back, faults and config as at start, request log and calls cleared."""
        interrupted, self.interrupt = self.interrupt, threading.Event()
        interrupted.set()
        self.store.load(list(seed.rows()))
        self.faults.restore()
        self.config = dict(self._initial_config)
        self.clear_log()

    def reset_state(self, call: Call) -> Response:
        self.reset()
        return Response(204)

    def create_synthetic_account(self, call: Call) -> Response:
        body = parse_json(call.request)
        name, size = body.get("name"), body.get("devices")
        errors = validation.Errors()
        validation.text(errors, body, "name", required=True, max_length=100)
        if not validation.is_integer(size) or not 1 <= size <= MAX_SYNTHETIC_DEVICES:
            errors.add("devices", f"must be a whole number between 1 and {MAX_SYNTHETIC_DEVICES}")
        if errors:
            raise validation_failed(errors)
        account = seed.synthetic_account(name, size)
        account_id = account["account"]["id"]
        organisation_id = seed.ORGANISATION["id"]
        with self.store.transaction():
            # Same name and size, same ids: asking again rebuilds the account from scratch.
            self.store.delete_account(organisation_id, account_id)
            ord_ = self.store.count("account") + 1
            self.store.insert_rows(seed.account_rows(organisation_id, account, ord_))
        return json_response(
            201,
            {
                "id": account_id,
                "name": name,
                "devices": len(account["devices"]),
                "ddis": len(account["ddis"]),
                "trunks": len(account["trunks"]),
            },
        )

    def port_in_ddi(self, call: Call) -> Response:
        """A number allocated by porting, which the API itself cannot do."""
        body = parse_json(call.request)
        account_id = call.params["account"]
        number = body.get("name")
        if not isinstance(number, str) or not number.isdigit() or not 6 <= len(number) <= 15:
            raise validation_failed([{"field": "name", "message": "must be 6 to 15 digits"}])
        with self.store.transaction():
            organisations = (seed.ORGANISATION["id"], seed.OTHER_ORGANISATION["id"])
            if all(self.store.get_raw("account", o, account_id) is None for o in organisations):
                raise ApiError(404, f"Account {account_id} not found")
            ddi = {"id": seed.object_id(account_id, "ported", number), "name": number}
            self.store.insert("ddi", account_id, ddi["id"], ddi)
        return json_response(201, ddi)

    def get_calls(self, call: Call) -> Response:
        calls = [record for _, record in self.store.list_all("call")]
        return json_response(200, calls)

    def clear_calls(self, call: Call) -> Response:
        with self.store.transaction():
            for account_id, record in self.store.list_all("call"):
                self.store.delete("call", account_id, record["id"])
        return Response(204)
