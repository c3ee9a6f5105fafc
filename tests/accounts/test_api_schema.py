import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    # Only this app's endpoints, so the test does not depend on the rest of the API.
    patterns = [path("api/v1/", include(("accounts.api_urls", "api"), namespace="api"))]
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


def test_the_schema_documents_api_key_authentication(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]

    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert "Api-Key" in scheme["description"]
    assert {"ApiKeyAuth": []} in schema["paths"]["/api/v1/me"]["get"]["security"]


def test_the_schema_describes_the_me_response(schema):
    response = schema["paths"]["/api/v1/me"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert set(schema["components"]["schemas"][ref]["properties"]) == {
        "id",
        "email",
        "username",
        "persona_type",
    }


def test_the_schema_lists_the_api_key_endpoints(schema):
    assert set(schema["paths"]["/api/v1/api-keys/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/api-keys/{api_key_id}/"]) == {"delete"}
