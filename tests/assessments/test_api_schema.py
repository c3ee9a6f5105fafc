"""The OpenAPI schema still validates with the assessments endpoints, and documents the CSV exports."""

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_the_schema_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")


def test_every_assessments_endpoint_is_documented(schema):
    paths = schema["paths"]

    assert set(paths["/api/v1/sessions/"]) == {"get", "post"}
    assert set(paths["/api/v1/sessions/{session_id}/responses/"]) == {"put"}
    for suffix in ("", "scores/", "runs/", "components/", "export.csv"):
        assert "get" in paths[f"/api/v1/sessions/{{session_id}}/{suffix}"]
    for suffix in ("submit/", "rescore/"):
        assert set(paths[f"/api/v1/sessions/{{session_id}}/{suffix}"]) == {"post"}
    assert set(paths["/api/v1/surveys/"]) == {"get", "post"}
    for suffix in ("close/", "reopen/"):
        assert set(paths[f"/api/v1/surveys/{{survey_id}}/{suffix}"]) == {"post"}
    assert "get" in paths["/api/v1/subjects/{subject_id}/averages/"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/{session_id}/export.csv",
        "/api/v1/surveys/{survey_id}/export.csv",
        "/api/v1/questionnaires/{slug}/export.csv",
    ],
)
def test_the_exports_are_documented_as_text_csv_with_json_errors(schema, path):
    responses = schema["paths"][path]["get"]["responses"]

    assert set(responses["200"]["content"]) == {"text/csv"}
    assert set(responses["404"]["content"]) == {"application/json"}


def test_submit_documents_202_and_the_missing_items(schema):
    responses = schema["paths"]["/api/v1/sessions/{session_id}/submit/"]["post"]["responses"]

    assert set(responses) >= {"202", "400", "404", "409"}
    ref = responses["400"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "missing" in schema["components"]["schemas"][ref]["properties"]


def test_the_invitation_endpoints_and_survey_settings_are_documented(schema):
    paths = schema["paths"]
    components = schema["components"]["schemas"]

    assert set(paths["/api/v1/surveys/{survey_id}/invitations/"]) == {"get", "post"}
    assert set(paths["/api/v1/surveys/{survey_id}/invitations/{invitation_id}/revoke/"]) == {"post"}
    assert set(paths["/api/v1/surveys/{survey_id}/"]) >= {"get", "patch"}
    revoke = paths["/api/v1/surveys/{survey_id}/invitations/{invitation_id}/revoke/"]["post"]["responses"]
    assert set(revoke) >= {"200", "404", "409"}
    start = paths["/api/v1/s/{share_token}/responses/"]["post"]
    assert set(start["responses"]) >= {"403", "404", "409", "410"}
    assert "invitation" in components["ResponderStartRequest"]["properties"]
    assert {"invitation_only", "exclude_likely_duplicates"} <= set(
        components["PatchedSurveyUpdateRequest"]["properties"]
    )
    assert {"likely_duplicates", "duplicates_excluded"} <= set(components["SurveyResults"]["properties"])
    assert components["SurveyInvitationCreateRequest"]["required"] == ["count"]
