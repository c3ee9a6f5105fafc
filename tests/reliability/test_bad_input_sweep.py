"""No 5xx on any input: NUL, lone surrogates, deep nesting and overflows fed to every API
operation of the OpenAPI schema (bodies, query parameters, path parameters) and to every page
route of the URL resolver (path parameters, query strings, form posts).

Each test sends everything, collects every 5xx (and every API error without the house
`detail`), and fails listing them all. The operations and routes come from the schema and the
resolver, so a new endpoint is swept without touching this file.
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts import services as account_services
from assessments import services
from assessments.models import AssessmentSession
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session, self_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# JSON values that used to reach a query or float() unchecked.
BAD_VALUES = [
    "a\x00b",
    "\ud800",
    "x\udfffy",
    10**400,
    -(10**400),
    2**31,
    2**63,
    -1,
    1.5,
    True,
    "",
    ["\x00"],
    {"\x00": 1},
    {"k": "\ud83d"},
    json.loads("[" * 80 + "]" * 80),
]
# Bodies that are bad before any field is looked at.
RAW_BODIES = [
    b"[" * 1000 + b"]" * 1000,  # 2 KB, 1,000 deep
    b'{"a":' * 1000 + b"1" + b"}" * 1000,
    b"[" * 100_000,  # unterminated and deeper than any recursion limit
    b'"\\u0000"',
    b'{"\\u0000": 1}',
    b'{"answers": {"q6": "\\ud800"}}',
    b'{"title": "\\udc00"}',
    b"1e400",
    b'{"max_responses": 1e400}',
    b"\x00",
    b"\xff\xfe\x00",
    b'{"answers": {"q7": ' + b"9" * 5000 + b"}}",
]
# Query-string values, already percent-encoded (a lone surrogate cannot be encoded otherwise).
BAD_QUERY_VALUES = [
    "%00",
    "a%00b",
    "%ED%A0%80",
    "",
    "-1",
    "99999999999999999999999",
    "1e400",
    "0x10",
    "%C0%80",
]
BAD_PATH_VALUES = ["%00", "a%00b", "%ED%A0%80", "%C0%80", "9" * 30, "-1", "%20", "x" * 300]


@pytest.fixture
def world(db):
    """A staff user owning one of everything, and the path parameter values that reach them."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    version = import_api_instrument()
    open_session = self_session(staff, version)
    scored = scored_session(staff, version)
    survey = services.survey_create(owner=staff, version=version)
    responder = services.survey_session_for_responder(
        survey=survey, responder_id="responder-token-0123456789", fingerprint=""
    )
    api_key, _raw = account_services.api_key_create(user=staff, name="sweep")
    values = {
        "session_id": str(open_session.pk),
        "survey_id": str(survey.pk),
        "subject_id": str(scored.subject_id),
        "share_token": survey.share_token,
        "slug": version.questionnaire.slug,
        "api_key_id": str(api_key.pk),
        "page": "1",
        "run_id": str(scored.runs.first().pk),
    }
    return {"staff": staff, "values": values, "responder": responder}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _body_properties(schema: dict, operation: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = content.get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return list(body.get("properties", {})) or ["x"]


def _fill(path: str, operation: dict, values: dict) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            name = parameter["name"]
            kind = parameter.get("schema", {})
            default = "1" if kind.get("type") == "integer" else str(uuid.uuid4())
            path = path.replace("{" + name + "}", quote(values.get(name, default), safe=""))
    return path


def _client(world) -> APIClient:
    client = APIClient(raise_request_exception=False)  # a 500 is a finding, not a crash
    client.force_login(world["staff"])
    client.credentials(HTTP_X_RESPONDER_TOKEN=world["responder"].responder_id)
    return client


def _check(failures: list, label: str, response) -> None:
    if response.status_code >= 500:
        failures.append(f"{label} → {response.status_code}")
        return
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if not isinstance(body, dict) or "detail" not in body:
            failures.append(f"{label} → {response.status_code} without detail: {body!r:.200}")


def _send(client, method: str, url: str, body: bytes | None = None):
    # A savepoint per request: a 500 from the database (NUL in a query) aborts the test's
    # transaction, and every later request would fail with it, hiding which inputs are bad.
    savepoint = transaction.savepoint()
    if body is None:
        response = client.generic(method.upper(), url)
    else:
        response = client.generic(method.upper(), url, body, content_type="application/json")
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def test_no_json_body_of_any_operation_gives_a_5xx(world):
    schema = _schema()
    client = _client(world)
    failures: list[str] = []
    sent = 0
    for path, method, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        url = _fill(path, operation, world["values"])
        for raw in RAW_BODIES:
            _check(failures, f"{method.upper()} {path} raw {raw[:30]!r}", _send(client, method, url, raw))
            sent += 1
        for name in _body_properties(schema, operation):
            for value in BAD_VALUES:
                body = json.dumps({name: value}).encode()
                label = f"{method.upper()} {path} {{{name}: {repr(value)[:30]}}}"
                _check(failures, label, _send(client, method, url, body))
                sent += 1
        for value in BAD_VALUES:  # inside the answers of the answer endpoints, item by item
            for item in VALID_ANSWERS:
                body = json.dumps({"answers": {item: value}}).encode()
                if "responses" in path and method in ("put", "patch"):
                    label = f"{method.upper()} {path} answers.{item}={repr(value)[:30]}"
                    _check(failures, label, _send(client, method, url, body))
                    sent += 1

    assert sent > 500
    assert failures == [], f"{len(failures)} of {sent} bad bodies failed:\n" + "\n".join(failures)


def test_no_query_parameter_of_any_operation_gives_a_5xx(world):
    schema = _schema()
    client = _client(world)
    failures: list[str] = []
    sent = 0
    for path, method, operation in _operations(schema):
        url = _fill(path, operation, world["values"])
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        for name in sorted(names | {"limit", "offset", "lang", "format"}):
            for value in BAD_QUERY_VALUES:
                label = f"{method.upper()} {path}?{name}={value}"
                _check(failures, label, _send(client, method, f"{url}?{name}={value}"))
                sent += 1

    assert sent > 500
    assert failures == [], f"{len(failures)} of {sent} bad query strings failed:\n" + "\n".join(failures)


def test_no_path_parameter_of_any_operation_gives_a_5xx(world):
    schema = _schema()
    client = _client(world)
    anonymous = APIClient(raise_request_exception=False)
    failures: list[str] = []
    sent = 0
    for path, method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            for value in BAD_PATH_VALUES:
                url = _fill(path.replace("{" + parameter["name"] + "}", value), operation, world["values"])
                for who, caller in (("staff", client), ("anonymous", anonymous)):
                    label = f"{who} {method.upper()} {url[:120]}"
                    _check(failures, label, _send(caller, method, url))
                    sent += 1

    assert sent > 200
    assert failures == [], f"{len(failures)} of {sent} bad path parameters failed:\n" + "\n".join(failures)


# --------------------------------------------------------------------------- pages


def _form_post(client, url: str, form: dict, headers: dict):
    savepoint = transaction.savepoint()
    response = client.post(url, form, **headers)
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def _page_routes(resolver=None, prefix: str = ""):
    """(route with <converter:name> parts, callback) of every non-API, non-admin URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        # /healthz probes the LLM (a second per call without one): health has its own tests.
        if route.startswith(("api/", "admin/", "static/", "^static", "healthz")):
            continue
        if isinstance(pattern, URLResolver):
            yield from _page_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _page_url(route: str, values: dict, bad: tuple[str, str] | None = None) -> str | None:
    url = "/" + route.lstrip("^").rstrip("$")
    if "(?P" in url or "\\" in url:
        return None  # a regex route (allauth's): swept through its plain siblings
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", url):
        value = values.get(name) or (str(uuid.uuid4()) if converter == "uuid" else "x")
        value = bad[1] if bad and bad[0] == name else quote(value, safe="")
        url = re.sub(r"<(?:\w+:)?" + name + ">", value, url, count=1)
    return url


def test_no_page_route_gives_a_5xx_for_bad_paths_queries_or_form_posts(world, client):
    values = {**world["values"], "token": "x", "key": "x", "uidb36": "x"}
    responder = AssessmentSession.objects.get(pk=world["responder"].pk)
    client.force_login(world["staff"])
    client.raise_request_exception = False  # a 500 is a finding, not a crash
    failures: list[str] = []
    sent = 0
    for route in _page_routes():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        urls = []
        for name in names:
            urls += [_page_url(route, values, (name, value)) for value in BAD_PATH_VALUES]
        good = _page_url(route, values)
        if good is not None:
            urls += [f"{good}?lang={value}&next={value}&page={value}" for value in BAD_QUERY_VALUES]
        for url in filter(None, urls):
            _check(failures, f"GET {url[:120]}", _send(client, "get", url))
            sent += 1
        if good is not None and not good.startswith(("/accounts/logout", "/logout")):
            for value in ("a\x00b", "\x00"):
                # Every text field the pages read: answers (a-<item>), the item, titles, language.
                form = {f"a-{item}": value for item in VALID_ANSWERS}
                form.update(lang=value, title=value, action=value, item="q6", shown=value, nav=value)
                for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                    _check(
                        failures, f"POST {good} NUL form {headers}", _form_post(client, good, form, headers)
                    )
                    sent += 1
    assert responder.pk  # the responder session the share-token routes reach still exists

    assert sent > 200
    assert failures == [], f"{len(failures)} of {sent} bad page requests failed:\n" + "\n".join(failures)


BAD_HEADERS = {
    "HTTP_COOKIE": "sessionid=abcdefgh\x00ijklmnop",
    "HTTP_AUTHORIZATION": "Api-Key abc\x00defghijklmnop",
    "HTTP_X_RESPONDER_TOKEN": "responder\x00token-0123456789",
    "HTTP_ACCEPT_LANGUAGE": "de\x00",
    "HTTP_X_FORWARDED_FOR": "10.0.0.1\x00",
}


def test_no_header_of_any_operation_gives_a_5xx(world):
    schema = _schema()
    anonymous = APIClient(raise_request_exception=False)
    failures: list[str] = []
    sent = 0
    for path, method, operation in _operations(schema):
        url = _fill(path, operation, world["values"])
        for name, value in BAD_HEADERS.items():
            savepoint = transaction.savepoint()
            response = anonymous.generic(method.upper(), url, **{name: value})
            if response.status_code >= 500:
                transaction.savepoint_rollback(savepoint)
            else:
                transaction.savepoint_commit(savepoint)
            _check(failures, f"{method.upper()} {path} {name}", response)
            sent += 1

    assert sent > 300
    assert failures == [], f"{len(failures)} of {sent} bad headers failed:\n" + "\n".join(failures)
