"""The responder endpoints are in the OpenAPI schema: public, with the responder-token header."""

import pytest
import yaml
from django.core.management import call_command

BASE = "/api/v1/s/{share_token}/"


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_every_responder_endpoint_is_documented(schema):
    paths = schema["paths"]

    assert set(paths[BASE]) == {"get"}
    assert set(paths[f"{BASE}responses/"]) == {"post"}
    assert set(paths[f"{BASE}responses/{{session_id}}/"]) == {"put"}
    assert set(paths[f"{BASE}responses/{{session_id}}/submit/"]) == {"post"}


@pytest.mark.parametrize(
    ("path", "method"),
    [(BASE, "get"), (f"{BASE}responses/", "post"), (f"{BASE}responses/{{session_id}}/", "put")],
)
def test_the_responder_endpoints_need_no_credentials(schema, path, method):
    assert schema["paths"][path][method]["security"] == [{}]


@pytest.mark.parametrize(
    ("path", "method"),
    [(f"{BASE}responses/{{session_id}}/", "put"), (f"{BASE}responses/{{session_id}}/submit/", "post")],
)
def test_the_responder_token_header_is_documented(schema, path, method):
    headers = [p for p in schema["paths"][path][method]["parameters"] if p["in"] == "header"]

    assert [(p["name"], p["required"]) for p in headers] == [("X-Responder-Token", True)]


def test_submit_documents_no_scores_and_the_rate_limit(schema):
    responses = schema["paths"][f"{BASE}responses/{{session_id}}/submit/"]["post"]["responses"]

    assert set(responses) == {"202", "400", "404", "409", "410", "429"}
    ref = responses["202"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"status"}
