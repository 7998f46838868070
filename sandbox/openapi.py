"""The OpenAPI 3.0 document of every API call the sandbox serves (GET /api/v1/openapi.json).

Schemas say what the sandbox's validation accepts, with additionalProperties allowed everywhere:
unknown fields are the client's to keep. A schemathesis run holds the sandbox to this document.
"""

from __future__ import annotations

from sandbox import seed
from sandbox.countries import ISO_3166_ALPHA2
from sandbox.validation import (
    CALLER_FORMATS,
    GATHER_FINISH_KEYS,
    HOOK_APPS,
    HOOK_AUTH_TYPES,
    HOOK_METHODS,
    REJECT_REASONS,
)

# Patterns: a single line without control characters; "required" ones also not blank.
LINE = r"^[^\x00-\x1f\x7f]*$"
FILLED_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
E164 = r"^\+[1-9][0-9]{5,14}$"
DIGITS = r"^[0-9]{1,10}$"
HTTP_URL = r"^https?://[^\s/?#]+"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def line(max_length: int, *, filled: bool = False, nullable: bool = True) -> dict:
    schema = {"type": "string", "maxLength": max_length, "pattern": FILLED_LINE if filled else LINE}
    if nullable:
        schema["nullable"] = True
    return schema


def obj(properties: dict, required: tuple[str, ...] = (), **extra) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": True, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def enum(values: tuple[str, ...] | list[str], *, nullable: bool = True) -> dict:
    schema = {"type": "string", "enum": list(values)}
    if nullable:
        schema["nullable"] = True
    return schema


LINK = {
    "type": "string",
    "description": "The id of a device of the same account, or HANGUP.",
    "example": "HANGUP",
}
HTTP_URL_SCHEMA = {"type": "string", "maxLength": 2048, "pattern": HTTP_URL, "format": "uri"}

TARGET = obj(
    {
        "phoneNumber": obj({"number": {"type": "string", "pattern": E164}}, ("number",)),
        "extension": obj(
            {
                "extension": {"type": "string", "pattern": DIGITS},
                "overrideTo": {"type": "string", "pattern": DIGITS, "nullable": True},
            },
            ("extension",),
        ),
        "device": obj({"id": {"type": "string"}}, ("id",)),
        "sipUri": obj(
            {"uri": {"type": "string", "pattern": r"^sips?:\S+$", "maxLength": 2048}}, ("uri",)
        ),
    },
    minProperties=1,
    description="Exactly one of phoneNumber, extension, device, sipUri.",
)

SCHEMAS = {
    "Error": obj(
        {
            "message": {"type": "string"},
            "error": {"type": "string"},
            "errors": {"type": "array", "items": ref("FieldError")},
            "references": {"type": "array", "items": {"type": "object"}},
        },
        ("message",),
    ),
    "FieldError": obj(
        {"field": {"type": "string"}, "message": {"type": "string"}}, ("field", "message")
    ),
    "TokenRequest": {
        "type": "object",
        "description": "Either username and password, or token (a refresh token).",
        "properties": {
            "username": {"type": "string"},
            "password": {"type": "string", "format": "password"},
            "token": {"type": "string"},
        },
        "additionalProperties": True,
    },
    "Token": obj(
        {
            "access_token": {"type": "string"},
            "refresh_token": {"type": "string"},
            "expires_in": {"type": "integer"},
            "refresh_expires_in": {"type": "integer"},
            "token_type": {"type": "string"},
        },
        ("access_token", "refresh_token", "expires_in", "refresh_expires_in"),
    ),
    "Organisation": obj({"id": {"type": "string"}, "name": {"type": "string"}}, ("id", "name")),
    "AccountSummary": obj({"id": {"type": "string"}, "name": {"type": "string"}}, ("id", "name")),
    "Account": obj(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "mbn": {"type": "string", "description": "Main billing number, the default caller id"},
            "domain": {"type": "string"},
        },
        ("id", "name"),
    ),
    "Address": obj(
        {
            "line1": line(200, filled=True, nullable=False),
            "line2": line(200),
            "level1": line(100),
            "level2": line(100),
            "postalCode": line(20),
            "country": line(100, filled=True, nullable=False),
        },
        ("line1", "country"),
        example=seed.DARREN_ADDRESS,
    ),
    "Ddi": obj({"id": {"type": "string"}, "name": {"type": "string"}}, ("id", "name")),
    "TrunkFields": obj(
        {
            "ip": {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "vendor": line(64),
            "callerFormat": enum(CALLER_FORMATS),
            "calledFormat": enum(CALLER_FORMATS),
            "description": line(255),
            "zone": line(64, filled=True),
            "countryCode": enum(sorted(ISO_3166_ALPHA2)),
        },
        ("ip", "port"),
        example={k: v for k, v in seed.DARREN_TRUNKS[0].items() if k != "id"},
    ),
    "HookFields": obj(
        {
            "app": enum(HOOK_APPS, nullable=False),
            "url": HTTP_URL_SCHEMA,
            "authType": enum(HOOK_AUTH_TYPES),
            "method": enum(HOOK_METHODS),
            "priority": {"type": "integer", "minimum": 0, "maximum": 1000, "nullable": True},
        },
        ("app", "url"),
        example={k: v for k, v in seed.DARREN_HOOKS[1].items() if k != "id"},
    ),
    "DeviceFields": obj(
        {
            "type": {"type": "string", "pattern": r"^[A-Z][A-Z0-9_]*$", "maxLength": 64},
            "name": line(100, filled=True, nullable=False),
            "extension": {"type": "string", "pattern": DIGITS, "nullable": True},
            "startRoute": obj(
                {"ddis": {"type": "array", "items": {"type": "string"}}, "connectTo": LINK},
                description="ROUTE_START settings: DDI ids of the account, and where calls go.",
            ),
            "sipGateway": obj(
                {
                    "ringTime": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 3600,
                        "nullable": True,
                    },
                    "maxCallTime": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 86400,
                        "nullable": True,
                    },
                    "record": {"type": "boolean", "nullable": True},
                    "trunks": {"type": "array", "items": {"type": "string"}, "nullable": True},
                    "present": line(64),
                    "countryCode": enum(sorted(ISO_3166_ALPHA2)),
                    "onComplete": LINK,
                    "onFail": LINK,
                    "onNoAnswer": LINK,
                    "onBusy": LINK,
                },
                description="SIP_GATEWAY settings: trunk ids of the account, and four ports.",
            ),
        },
        ("type", "name"),
        description=(
            "Every type keeps its settings in an object of its own. Any field named connectTo or "
            "on + capital letter, at any depth, must be a device id of the account or HANGUP."
        ),
        example={k: v for k, v in seed.DARREN_DEVICES[1].items() if k != "id"},
    ),
    "Trunk": {"allOf": [ref("TrunkFields"), obj({"id": {"type": "string"}}, ("id",))]},
    "Hook": {"allOf": [ref("HookFields"), obj({"id": {"type": "string"}}, ("id",))]},
    # Settings objects are checked for the types that own them only, so a stored device of
    # another type may carry anything under those names.
    "Device": obj(
        {
            "id": {"type": "string"},
            "type": {"type": "string", "pattern": r"^[A-Z][A-Z0-9_]*$", "maxLength": 64},
            "name": line(100, filled=True, nullable=False),
            "extension": {"type": "string", "pattern": DIGITS, "nullable": True},
        },
        ("id", "type", "name"),
    ),
    "Target": TARGET,
    "Verb": obj(
        {
            "say": obj(
                {
                    "text": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": r"\S", "maxLength": 4096},
                    }
                },
                ("text",),
            ),
            "play": obj({"url": HTTP_URL_SCHEMA}, ("url",)),
            "dial": obj(
                {
                    "callerId": {
                        "type": "string",
                        "pattern": r"^(\+[1-9][0-9]{5,14})?$",
                        "nullable": True,
                    },
                    "timeout": {"type": "integer", "minimum": 1, "maximum": 600, "nullable": True},
                    "timeLimit": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 86400,
                        "nullable": True,
                    },
                    "targets": {"type": "array", "minItems": 1, "items": ref("Target")},
                },
                ("targets",),
            ),
            "gather": obj(
                {
                    "numDigits": {"type": "integer", "minimum": 1, "maximum": 32, "nullable": True},
                    "timeout": {"type": "integer", "minimum": 1, "maximum": 600, "nullable": True},
                    "finishOnKey": enum(GATHER_FINISH_KEYS),
                    "url": {**HTTP_URL_SCHEMA, "nullable": True},
                }
            ),
            "reject": obj({"reason": enum(REJECT_REASONS)}),
            "hangup": obj({"reason": line(255)}),
            "redirect": obj({"url": HTTP_URL_SCHEMA}, ("url",)),
        },
        minProperties=1,
        description="Exactly one of say, play, dial, gather, reject, hangup, redirect.",
    ),
    "VoiceCall": obj(
        {
            "callerId": {
                "type": "string",
                "pattern": r"^(\+[1-9][0-9]{5,14})?$",
                "nullable": True,
                "description": "Blank: the account's main billing number.",
            },
            "tag": obj({"data": {"type": "object", "additionalProperties": {"type": "string"}}}),
            "target": ref("Target"),
            "verbs": {"type": "array", "minItems": 1, "maxItems": 100, "items": ref("Verb")},
        },
        ("target", "verbs"),
        example={
            "callerId": "+441234567890",
            "tag": {"data": {"myKey": "myValue"}},
            "target": {"phoneNumber": {"number": "+441234567893"}},
            "verbs": [
                {"say": {"text": ["Your pizza is outside!"]}},
                {"hangup": {"reason": "call-complete"}},
            ],
        },
    ),
    "VoiceCallCreated": obj(
        {
            "id": {"type": "string"},
            "status": {"type": "string"},
            "accountId": {"type": "string"},
            "callerId": {"type": "string"},
            "target": ref("Target"),
            "createdAt": {"type": "string", "format": "date-time"},
        },
        ("id", "status"),
    ),
}

ERRORS = {
    "400": "Malformed JSON, wrong content type, or validation failed (errors name the fields)",
    "401": "Missing, malformed, expired or revoked access token",
    "403": "The user's roles do not allow this call",
    "404": "No such account or object in the user's organisation",
    "405": "Method not allowed on this path (see the Allow header)",
    "409": "The object is still referred to by a device",
    "413": "Request body over 1 MiB",
}


def error(code: str) -> dict:
    return {"description": ERRORS[code], "content": {"application/json": {"schema": ref("Error")}}}


def ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


CREATED = {
    "description": (
        "Created. By default the body is empty; the sandbox can be switched to answer with the "
        "created object as body, or with a Location header naming it (POST /_sandbox/config)."
    ),
    "headers": {"Location": {"schema": {"type": "string"}, "required": False}},
}
NO_CONTENT = {"description": "Done, no content"}


def responses(success: dict[str, dict], *codes: str) -> dict:
    return {**success, **{code: error(code) for code in ("401", "405", "413", *codes)}}


def parameter(name: str, example: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1},
        "example": example,
    }


ACCOUNT_PARAMETER = parameter("accountId", seed.DARREN, "Account id")
OBJECT_EXAMPLES = {
    "trunk": seed.DARREN_TRUNKS[0]["id"],
    "hook": seed.DARREN_HOOKS[1]["id"],
    "device": seed.DARREN_DEVICES[1]["id"],
}


def json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _object_paths(kind: str, schema: str) -> dict:
    title = kind.capitalize()
    item_parameter = parameter(f"{kind}Id", OBJECT_EXAMPLES[kind], f"{title} id")
    return {
        f"/api/v1/account/{{accountId}}/{kind}": {
            "parameters": [ACCOUNT_PARAMETER],
            "get": {
                "operationId": f"list{title}s",
                "summary": f"List the account's {kind}s",
                "responses": responses({"200": ok({"type": "array", "items": ref(schema)})}, "404"),
            },
            "post": {
                "operationId": f"create{title}",
                "summary": f"Create a {kind} (any id sent is ignored)",
                "requestBody": json_body(ref(f"{schema}Fields")),
                "responses": responses({"201": CREATED}, "400", "403", "404"),
            },
        },
        f"/api/v1/account/{{accountId}}/{kind}/{{{kind}Id}}": {
            "parameters": [ACCOUNT_PARAMETER, item_parameter],
            "get": {
                "operationId": f"get{title}",
                "summary": f"Get a {kind}",
                "responses": responses({"200": ok(ref(schema))}, "404"),
            },
            "put": {
                "operationId": f"replace{title}",
                "summary": f"Replace a {kind}; unknown fields are kept; an id must match the path",
                "requestBody": json_body(ref(f"{schema}Fields")),
                "responses": responses({"204": NO_CONTENT}, "400", "403", "404"),
            },
            "delete": {
                "operationId": f"delete{title}",
                "summary": f"Delete a {kind} (not on the provider's page); 409 while a device refers to it",
                "responses": responses({"204": NO_CONTENT}, "403", "404", "409"),
            },
        },
    }


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Callable REST API (sandbox)",
            "version": "1.0.0",
            "description": (
                "Every call of the Callable REST API page, as the Callable sandbox serves it. "
                "Errors are JSON with a message; validation errors list the fields."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": SCHEMAS,
        },
        "paths": {
            "/api/v1/oauth/authorize": {
                "post": {
                    "operationId": "authorize",
                    "summary": "Sign in with username and password, or renew with a refresh token",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": ref("TokenRequest")}
                        },
                    },
                    "responses": {
                        "200": ok(ref("Token")),
                        "400": error("400"),
                        "401": {
                            "description": "Bad credentials, or a used, expired or revoked refresh token",
                            "content": {"application/json": {"schema": ref("Error")}},
                        },
                        "405": error("405"),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": ok({"type": "object"}), "405": error("405")},
                }
            },
            "/api/v1/userAccounts/me": {
                "get": {
                    "operationId": "getOrganisation",
                    "summary": "The signed-in user's organisation",
                    "responses": responses({"200": ok(ref("Organisation"))}, "404"),
                }
            },
            "/api/v1/account": {
                "get": {
                    "operationId": "listAccounts",
                    "summary": "The organisation's accounts",
                    "responses": responses(
                        {"200": ok({"type": "array", "items": ref("AccountSummary")})}
                    ),
                }
            },
            "/api/v1/account/{accountId}": {
                "parameters": [ACCOUNT_PARAMETER],
                "get": {
                    "operationId": "getAccount",
                    "summary": "An account's details",
                    "responses": responses({"200": ok(ref("Account"))}, "404"),
                },
            },
            "/api/v1/account/{accountId}/address": {
                "parameters": [ACCOUNT_PARAMETER],
                "get": {
                    "operationId": "getAddress",
                    "summary": "An account's address",
                    "responses": responses({"200": ok(ref("Address"))}, "404"),
                },
                "put": {
                    "operationId": "replaceAddress",
                    "summary": "Replace an account's address; unknown fields are kept",
                    "requestBody": json_body(ref("Address")),
                    "responses": responses({"204": NO_CONTENT}, "400", "403", "404"),
                },
            },
            "/api/v1/account/{accountId}/ddi": {
                "parameters": [ACCOUNT_PARAMETER],
                "get": {
                    "operationId": "listDdis",
                    "summary": "An account's inbound numbers",
                    "responses": responses(
                        {"200": ok({"type": "array", "items": ref("Ddi")})}, "404"
                    ),
                },
            },
            **_object_paths("trunk", "Trunk"),
            **_object_paths("hook", "Hook"),
            **_object_paths("device", "Device"),
            "/api/v1/account/{accountId}/channels/voice": {
                "parameters": [ACCOUNT_PARAMETER],
                "post": {
                    "operationId": "createVoiceCall",
                    "summary": "Start a voice call",
                    "requestBody": json_body(ref("VoiceCall")),
                    "responses": responses(
                        {"201": {**CREATED, "x-body-schema": ref("VoiceCallCreated")}},
                        "400",
                        "403",
                        "404",
                    ),
                },
            },
        },
    }
