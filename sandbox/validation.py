"""Field rules for what clients send, answered as a list of {field, message} like a real API's 400."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sandbox.countries import ISO_3166_ALPHA2

HANGUP = "HANGUP"
CALLER_FORMATS = ("national", "international", "e164")
HOOK_APPS = ("flow.generic", "event.generic")
HOOK_AUTH_TYPES = ("DISABLED", "BASIC", "BEARER", "HMAC")
HOOK_METHODS = ("POST", "PUT", "GET")
REJECT_REASONS = ("busy", "rejected")
GATHER_FINISH_KEYS = tuple("0123456789*#")

DEVICE_TYPE = re.compile(r"[A-Z][A-Z0-9_]*")
PORT_NAME = re.compile(r"on[A-Z]")
DIGITS = re.compile(r"[0-9]+")
E164 = re.compile(r"\+[1-9][0-9]{5,14}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_DEPTH = 32


class Errors(list):
    def add(self, path: str, message: str) -> None:
        self.append({"field": path, "message": message})


def _join(prefix: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{prefix}[{name}]"
    return f"{prefix}.{name}" if prefix else name


def is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def depth(value: object) -> int:
    """How deeply a parsed JSON value nests (iterative: hostile input must not blow the stack)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in current.values())
        elif isinstance(current, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in current)
    return deepest


# Small field checks: each adds at most one error and says whether the value was acceptable.


def text(
    errors: Errors,
    doc: dict,
    name: str,
    prefix: str = "",
    *,
    required: bool = False,
    max_length: int = 255,
    non_empty: bool = False,
) -> bool:
    path = _join(prefix, name)
    value = doc.get(name)
    if value is None:
        if required:
            errors.add(path, "is required")
            return False
        return True
    if not isinstance(value, str):
        errors.add(path, "must be a string")
        return False
    if (required or non_empty) and not value.strip():
        errors.add(path, "must not be blank")
        return False
    if len(value) > max_length:
        errors.add(path, f"must be at most {max_length} characters")
        return False
    if CONTROL_CHARACTERS.search(value):
        errors.add(path, "must not contain control characters")
        return False
    return True


def integer(
    errors: Errors,
    doc: dict,
    name: str,
    prefix: str = "",
    *,
    minimum: int,
    maximum: int,
    required: bool = False,
) -> bool:
    path = _join(prefix, name)
    value = doc.get(name)
    if value is None:
        if required:
            errors.add(path, "is required")
        return not required
    if not is_integer(value):
        errors.add(path, "must be an integer")
        return False
    if not minimum <= value <= maximum:
        errors.add(path, f"must be between {minimum} and {maximum}")
        return False
    return True


def choice(
    errors: Errors,
    doc: dict,
    name: str,
    choices: tuple[str, ...],
    prefix: str = "",
    *,
    required: bool = False,
) -> bool:
    path = _join(prefix, name)
    value = doc.get(name)
    if value is None:
        if required:
            errors.add(path, "is required")
        return not required
    if value not in choices:
        errors.add(path, "must be one of: " + ", ".join(choices))
        return False
    return True


def boolean(errors: Errors, doc: dict, name: str, prefix: str = "") -> bool:
    value = doc.get(name)
    if value is not None and not isinstance(value, bool):
        errors.add(_join(prefix, name), "must be true or false")
        return False
    return True


def country_code(errors: Errors, doc: dict, name: str, prefix: str = "") -> bool:
    value = doc.get(name)
    if value is not None and (not isinstance(value, str) or value not in ISO_3166_ALPHA2):
        errors.add(_join(prefix, name), "must be an ISO 3166-1 alpha-2 country code, e.g. GB")
        return False
    return True


def is_http_url(value: object, max_length: int = 2048) -> bool:
    if not isinstance(value, str) or len(value) > max_length:
        return False
    if CONTROL_CHARACTERS.search(value) or " " in value:
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return False
    del port
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def url(errors: Errors, doc: dict, name: str, prefix: str = "", *, required: bool = False) -> bool:
    path = _join(prefix, name)
    value = doc.get(name)
    if value is None:
        if required:
            errors.add(path, "is required")
        return not required
    if not is_http_url(value):
        errors.add(path, "must be an absolute http(s) URL of at most 2048 characters")
        return False
    return True


def settings_object(errors: Errors, doc: dict, name: str, prefix: str = "") -> dict | None:
    """The nested object `name` if it is one; None (with an error) if it is missing or not one."""
    value = doc.get(name)
    path = _join(prefix, name)
    if value is None:
        errors.add(path, "is required")
        return None
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return None
    return value


def id_list(errors: Errors, doc: dict, name: str, prefix: str, known: set[str], what: str) -> None:
    path = _join(prefix, name)
    value = doc.get(name)
    if value is None:
        return
    if not isinstance(value, list):
        errors.add(path, "must be a list of ids")
        return
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in known:
            errors.add(_join(path, index), f"is not {what} of this account")


# Objects


def validate_address(doc: dict) -> Errors:
    errors = Errors()
    text(errors, doc, "line1", required=True, max_length=200)
    text(errors, doc, "line2", max_length=200)
    text(errors, doc, "level1", max_length=100)
    text(errors, doc, "level2", max_length=100)
    text(errors, doc, "postalCode", max_length=20)
    text(errors, doc, "country", required=True, max_length=100)
    return errors


_PRIVATE = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def _unroutable(address) -> str | None:
    """Why a trunk at `address` could never be reached from the platform."""
    address = getattr(address, "ipv4_mapped", None) or address
    checks = [
        ("an unspecified address", address.is_unspecified),
        ("an unspecified address", address in ipaddress.ip_network("0.0.0.0/8")),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("the broadcast address", address == ipaddress.IPv4Address("255.255.255.255")),
        ("a private address", any(address.version == n.version and address in n for n in _PRIVATE)),
    ]
    return next((why for why, found in checks if found), None)


def _same_ip(stored: object, ip: str) -> bool:
    try:
        return ipaddress.ip_address(str(stored)) == ipaddress.ip_address(ip)
    except ValueError:
        return stored == ip


def validate_trunk(doc: dict, others: list[dict] | None = None) -> Errors:
    errors = Errors()
    ip = doc.get("ip")
    if ip is None:
        errors.add("ip", "is required")
    elif not isinstance(ip, str):
        errors.add("ip", "must be a string")
    else:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            errors.add("ip", "must be a valid IPv4 or IPv6 address")
        else:
            why = _unroutable(address)
            if why:
                errors.add("ip", f"is {why}: the platform cannot reach it")
    integer(errors, doc, "port", minimum=1, maximum=65535, required=True)
    if not errors and others:
        for other in others:
            if _same_ip(other.get("ip"), ip) and other.get("port") == doc.get("port"):
                errors.add(
                    "ip", f"{ip}:{doc.get('port')} is already used by trunk {other.get('id')}"
                )
                break
    text(errors, doc, "vendor", max_length=64)
    choice(errors, doc, "callerFormat", CALLER_FORMATS)
    choice(errors, doc, "calledFormat", CALLER_FORMATS)
    text(errors, doc, "description", max_length=255)
    text(errors, doc, "zone", max_length=64, non_empty=True)
    country_code(errors, doc, "countryCode")
    return errors


def validate_hook(doc: dict) -> Errors:
    errors = Errors()
    choice(errors, doc, "app", HOOK_APPS, required=True)
    url(errors, doc, "url", required=True)
    choice(errors, doc, "authType", HOOK_AUTH_TYPES)
    choice(errors, doc, "method", HOOK_METHODS)
    integer(errors, doc, "priority", minimum=0, maximum=1000)
    return errors


@dataclass
class Flow:
    """What a device may refer to: the account's DDIs, trunks and devices."""

    ddi_ids: set[str]
    trunk_ids: set[str]
    device_ids: set[str]
    # extension -> (device id, device name) for the account's other devices
    extensions: dict[str, tuple[str, str]] = field(default_factory=dict)


def _links(value: object, prefix: str = ""):
    """(path, value) of every link field anywhere in a device: `connectTo` or `on` + capital."""
    stack = [(prefix, value)]
    while stack:
        path, current = stack.pop()
        if isinstance(current, dict):
            for key, child in current.items():
                child_path = _join(path, key)
                if key == "connectTo" or PORT_NAME.match(key):
                    yield child_path, child
                else:
                    stack.append((child_path, child))
        elif isinstance(current, list):
            stack.extend((_join(path, index), child) for index, child in enumerate(current))


def validate_device(doc: dict, flow: Flow, device_id: str | None) -> Errors:
    errors = Errors()
    if text(errors, doc, "type", required=True, max_length=64) and not DEVICE_TYPE.fullmatch(
        doc["type"]
    ):
        errors.add("type", "must be upper case letters, digits and _, starting with a letter")
    text(errors, doc, "name", required=True, max_length=100)
    extension = doc.get("extension")
    if extension is not None:
        if not isinstance(extension, str) or not DIGITS.fullmatch(extension) or len(extension) > 10:
            errors.add("extension", "must be a string of 1 to 10 digits")
        elif extension in flow.extensions:
            other_id, other_name = flow.extensions[extension]
            errors.add("extension", f"{extension} is already used by device '{other_name}'")

    device_type = doc.get("type")
    if device_type == "ROUTE_START":
        start = settings_object(errors, doc, "startRoute")
        if start is not None:
            if start.get("ddis") is None:
                errors.add("startRoute.ddis", "is required")
            id_list(errors, start, "ddis", "startRoute", flow.ddi_ids, "an inbound number")
            if "connectTo" not in start:
                errors.add("startRoute.connectTo", "is required")
    elif device_type == "SIP_GATEWAY":
        gateway = settings_object(errors, doc, "sipGateway")
        if gateway is not None:
            prefix = "sipGateway"
            id_list(errors, gateway, "trunks", prefix, flow.trunk_ids, "a SIP trunk")
            integer(errors, gateway, "ringTime", prefix, minimum=1, maximum=3600)
            integer(errors, gateway, "maxCallTime", prefix, minimum=1, maximum=86400)
            boolean(errors, gateway, "record", prefix)
            text(errors, gateway, "present", prefix, max_length=64)
            country_code(errors, gateway, "countryCode", prefix)

    targets = flow.device_ids | ({device_id} if device_id else set())
    for path, value in _links({k: v for k, v in doc.items() if k != "id"}):
        if not isinstance(value, str) or (value != HANGUP and value not in targets):
            errors.add(path, "must be the id of a device of this account or HANGUP")
    return errors


# Voice calls


def _caller_id(errors: Errors, doc: dict, name: str, prefix: str = "") -> None:
    value = doc.get(name)
    if value is None or value == "":
        return
    if not isinstance(value, str) or not E164.fullmatch(value):
        errors.add(_join(prefix, name), "must be an E.164 number like +441234567890, or blank")


TARGET_KINDS = ("phoneNumber", "extension", "device", "sipUri")
VERB_KINDS = ("say", "play", "dial", "gather", "reject", "hangup", "redirect")


def _target(errors: Errors, target: object, path: str, device_ids: set[str]) -> None:
    if not isinstance(target, dict):
        errors.add(path, "must be an object")
        return
    kinds = [kind for kind in TARGET_KINDS if kind in target]
    if len(kinds) != 1:
        errors.add(path, "must have exactly one of: " + ", ".join(TARGET_KINDS))
        return
    kind = kinds[0]
    body = target[kind]
    body_path = _join(path, kind)
    if not isinstance(body, dict):
        errors.add(body_path, "must be an object")
        return
    if kind == "phoneNumber":
        number = body.get("number")
        if not isinstance(number, str) or not E164.fullmatch(number):
            errors.add(_join(body_path, "number"), "must be an E.164 number like +441234567890")
    elif kind == "extension":
        for name, required in (("extension", True), ("overrideTo", False)):
            value = body.get(name)
            if value is None and not required:
                continue
            if not isinstance(value, str) or not DIGITS.fullmatch(value) or len(value) > 10:
                errors.add(_join(body_path, name), "must be a string of 1 to 10 digits")
    elif kind == "device":
        device_id = body.get("id")
        if not isinstance(device_id, str) or device_id not in device_ids:
            errors.add(_join(body_path, "id"), "must be the id of a device of this account")
    else:
        uri = body.get("uri")
        if not isinstance(uri, str) or not re.fullmatch(r"sips?:[^\s]+", uri) or len(uri) > 2048:
            errors.add(_join(body_path, "uri"), "must be a SIP URI starting sip: or sips:")


def _verb(errors: Errors, verb: object, path: str, device_ids: set[str]) -> None:
    if not isinstance(verb, dict):
        errors.add(path, "must be an object")
        return
    kinds = [kind for kind in VERB_KINDS if kind in verb]
    if len(kinds) != 1:
        errors.add(path, "must have exactly one of: " + ", ".join(VERB_KINDS))
        return
    kind = kinds[0]
    body = verb[kind]
    body_path = _join(path, kind)
    if not isinstance(body, dict):
        errors.add(body_path, "must be an object")
        return
    if kind == "say":
        lines = body.get("text")
        if not isinstance(lines, list) or not lines:
            errors.add(_join(body_path, "text"), "must be a non-empty list of strings")
        else:
            for index, line in enumerate(lines):
                if not isinstance(line, str) or not line.strip() or len(line) > 4096:
                    errors.add(_join(_join(body_path, "text"), index), "must be a non-empty string")
    elif kind in ("play", "redirect"):
        url(errors, body, "url", body_path, required=True)
    elif kind == "dial":
        _caller_id(errors, body, "callerId", body_path)
        integer(errors, body, "timeout", body_path, minimum=1, maximum=600)
        integer(errors, body, "timeLimit", body_path, minimum=1, maximum=86400)
        targets = body.get("targets")
        targets_path = _join(body_path, "targets")
        if not isinstance(targets, list) or not targets:
            errors.add(targets_path, "must be a non-empty list of targets")
        else:
            for index, target in enumerate(targets):
                _target(errors, target, _join(targets_path, index), device_ids)
    elif kind == "gather":
        integer(errors, body, "numDigits", body_path, minimum=1, maximum=32)
        integer(errors, body, "timeout", body_path, minimum=1, maximum=600)
        choice(errors, body, "finishOnKey", GATHER_FINISH_KEYS, body_path)
        url(errors, body, "url", body_path)
    elif kind == "reject":
        choice(errors, body, "reason", REJECT_REASONS, body_path)
    elif kind == "hangup":
        text(errors, body, "reason", body_path, max_length=255)


def validate_voice_call(doc: dict, device_ids: set[str]) -> Errors:
    errors = Errors()
    _caller_id(errors, doc, "callerId")
    tag = doc.get("tag")
    if tag is not None:
        if not isinstance(tag, dict):
            errors.add("tag", "must be an object")
        elif tag.get("data") is not None:
            data = tag["data"]
            if not isinstance(data, dict):
                errors.add("tag.data", "must be an object of string values")
            else:
                for key, value in data.items():
                    if not isinstance(value, str):
                        errors.add(_join("tag.data", key), "must be a string")
    if doc.get("target") is None:
        errors.add("target", "is required")
    else:
        _target(errors, doc["target"], "target", device_ids)
    verbs = doc.get("verbs")
    if not isinstance(verbs, list) or not verbs:
        errors.add("verbs", "must be a non-empty list of verbs")
    elif len(verbs) > 100:
        errors.add("verbs", "must have at most 100 verbs")
    else:
        for index, verb in enumerate(verbs):
            _verb(errors, verb, _join("verbs", index), device_ids)
    return errors
