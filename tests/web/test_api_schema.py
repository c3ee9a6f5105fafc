"""The OpenAPI schema is valid and the API docs load nothing from a CDN."""

import json
import re

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_the_schema_is_an_openapi_3_document(client):
    as_yaml = yaml.safe_load(client.get("/api/schema/").content)
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    as_json = json.loads(response.content)
    assert as_json["openapi"].startswith("3.")
    assert as_yaml["openapi"] == as_json["openapi"]
    assert as_json["info"]["title"] == "Personai API"
    assert "ApiKeyAuth" in as_json["components"]["securitySchemes"]


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert yaml.safe_load(target.read_text())["openapi"].startswith("3.")


@pytest.mark.django_db
def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for cdn in ("unpkg", "jsdelivr", "cdnjs", "cdn."):
        assert cdn not in html
    asset_urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert asset_urls
    # Our static files, or the page's own split-view script (/api/docs/?script=, CSP-safe).
    assert all(url.startswith(("/static/", "/api/docs/?script")) for url in asset_urls), asset_urls
