import copy

import pytest

from accounts import services as account_services
from questionnaires import services
from questionnaires.importing import import_document
from tests.factories import UserFactory
from tests.questionnaires.factories import build_version

pytestmark = pytest.mark.django_db

LIST = "/api/v1/questionnaires/"


def _detail(slug="mini-five"):
    return f"/api/v1/questionnaires/{slug}/"


@pytest.fixture
def published(document):
    return import_document(document).version


def test_the_list_shows_published_questionnaires_to_anyone(api_client, published):
    build_version()  # a questionnaire with only a draft is not listed

    response = api_client.get(LIST)

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "mini-five",
                "title": "Mini Five",
                "description": "A seven-question personality check.",
                "default_locale": "en",
                "active_version": 1,
                "item_count": 7,
                "analysis_model": {"slug": "mini-five", "name": "Mini Five"},
            }
        ],
    }


def test_the_list_is_localised_and_paginated(api_client, published):
    build_version(published=True)

    response = api_client.get(LIST, {"lang": "de", "limit": 1})

    body = response.json()
    assert body["count"] == 2 and len(body["results"]) == 1
    assert body["results"][0]["title"] == "Mini-Fünf"


def test_the_list_accepts_an_api_key(api_client, published):
    _, raw_key = account_services.api_key_create(user=UserFactory(), name="cli")

    response = api_client.get(LIST, HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    assert response.status_code == 200


def test_the_detail_shows_the_active_version_with_sections_items_and_branch_rules(api_client, published):
    response = api_client.get(_detail())

    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["version"], body["is_active"], body["locale"]) == ("mini-five", 1, True, "en")
    assert body["available_locales"] == ["en", "de"]
    assert body["instructions"] == "Describe yourself as you generally are now."
    assert body["sections"] == [{"key": "about", "title": "About you"}, {"key": "habits", "title": "Habits"}]
    assert [item["key"] for item in body["items"]] == ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]
    assert body["items"][0] == {
        "key": "q1",
        "section": "about",
        "type": "single_choice",
        "text": "Make friends easily.",
        "help_text": "Think of the last year.",
        "required": True,
        "config": {},
        "options": [
            {"key": "1", "label": "Very inaccurate", "value": 1.0},
            {"key": "2", "label": "Moderately inaccurate", "value": 2.0},
            {"key": "3", "label": "Neither", "value": 3.0},
            {"key": "4", "label": "Moderately accurate", "value": 4.0},
            {"key": "5", "label": "Very accurate", "value": 5.0},
        ],
        "branch": [],
    }
    assert body["items"][4]["branch"] == [{"action": "show", "logic": {"==": [{"var": "q4"}, True]}}]
    assert body["items"][1]["options"][-1] == {"key": "na", "label": "Prefer not to say", "value": None}
    assert body["analysis_model"] == {
        "slug": "mini-five",
        "name": "Mini Five",
        "dimensions": [
            {"slug": "extraversion", "name": "Extraversion", "parent": None},
            {"slug": "friendliness", "name": "Friendliness", "parent": "extraversion"},
            {"slug": "neuroticism", "name": "Neuroticism", "parent": None},
            {"slug": "anxiety", "name": "Anxiety", "parent": "neuroticism"},
        ],
    }
    assert "mappings" not in body["items"][0]


def test_the_detail_is_localised_with_lang(api_client, published):
    body = api_client.get(_detail(), {"lang": "de"}).json()

    assert body["locale"] == "de"
    assert body["title"] == "Mini-Fünf"
    assert body["instructions"] == "Beschreiben Sie sich so, wie Sie im Allgemeinen sind."
    assert body["sections"][0]["title"] == "Über Sie"
    assert body["sections"][1]["title"] == "Habits"  # untranslated: falls back
    assert body["items"][0]["text"] == "Finde leicht Freunde."
    assert body["items"][0]["help_text"] == "Denken Sie an das letzte Jahr."
    assert [o["label"] for o in body["items"][0]["options"]][::4] == ["Trifft gar nicht zu", "Trifft voll zu"]
    assert body["items"][4]["config"]["min_label"] == "Gar nicht"
    assert body["analysis_model"]["dimensions"][2]["name"] == "Neurotizismus"


@pytest.mark.parametrize("lang", ["fr", "", "x" * 20])
def test_an_unknown_lang_falls_back_to_the_default_locale(api_client, published, lang):
    body = api_client.get(_detail(), {"lang": lang}).json()

    assert body["locale"] == "en"
    assert body["title"] == "Mini Five"


def test_a_published_version_can_be_chosen(api_client, document):
    import_document(copy.deepcopy(document))
    document["version"]["version"] = 2
    document["version"]["instructions"] = "Second edition."
    import_document(document)

    assert api_client.get(_detail()).json()["version"] == 2
    body = api_client.get(_detail(), {"version": 1}).json()
    assert (body["version"], body["is_active"]) == (1, False)


def test_a_draft_version_is_only_shown_to_staff(api_client, published):
    draft = services.version_create_draft(from_version=published)

    assert api_client.get(_detail(), {"version": draft.version}).status_code == 404
    api_client.force_authenticate(UserFactory())
    assert api_client.get(_detail(), {"version": draft.version}).status_code == 404
    api_client.force_authenticate(UserFactory(is_staff=True))
    response = api_client.get(_detail(), {"version": draft.version})
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["published_at"]) == (2, None)


def test_an_unknown_questionnaire_or_version_is_a_json_404(api_client, published):
    response = api_client.get(_detail("nope"))

    assert response.status_code == 404
    assert response.json() == {"detail": 'There is no published questionnaire "nope".'}
    assert api_client.get(_detail(), {"version": 9}).json() == {
        "detail": 'Questionnaire "mini-five" has no version 9.'
    }


def test_a_questionnaire_with_only_drafts_is_a_404(api_client):
    version = build_version()

    assert api_client.get(_detail(version.questionnaire.slug)).status_code == 404


@pytest.mark.parametrize("value", ["abc", "0", "1.5"])
def test_a_bad_version_parameter_is_a_json_400(api_client, published, value):
    response = api_client.get(_detail(), {"version": value})

    assert response.status_code == 400
    assert response.json()["detail"] in (
        "version must be a whole number, e.g. ?version=2.",
        "version must be 1 or more.",
    )


def test_a_bad_api_key_is_refused_even_on_public_endpoints(api_client, published):
    response = api_client.get(LIST, HTTP_AUTHORIZATION="Api-Key pk_wrong")

    assert response.status_code == 401


def test_the_schema_documents_both_endpoints_as_public(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(response.content)
    detail = schema["paths"]["/api/v1/questionnaires/{slug}/"]["get"]
    assert {} in detail["security"]
    assert "Public" in detail["description"]
    assert {p["name"] for p in detail["parameters"]} >= {"slug", "version", "lang"}
    assert "limit" in {p["name"] for p in schema["paths"]["/api/v1/questionnaires/"]["get"]["parameters"]}
