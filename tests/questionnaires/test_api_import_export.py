"""Staff move whole versions in and out over the API, as the same documents the commands use."""

import json

import pytest

from accounts import services as account_services
from questionnaires import services
from questionnaires.importing import export_json, import_document
from questionnaires.models import QuestionBankItem, QuestionnaireVersion, QuestionTraitMapping
from tests.factories import UserFactory
from tests.questionnaires.factories import build_version

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/questionnaires/import/"


def _document_url(slug="mini-five"):
    return f"/api/v1/questionnaires/{slug}/document/"


def _counts() -> tuple[int, int, int]:
    return (
        QuestionnaireVersion.objects.count(),
        QuestionBankItem.objects.count(),
        QuestionTraitMapping.objects.count(),
    )


@pytest.fixture
def staff_client(api_client):
    api_client.force_authenticate(UserFactory(is_staff=True))
    return api_client


@pytest.fixture
def published(document):
    return import_document(document).version


def _post(client, body, *, query: str = "", **headers):
    return client.post(IMPORT + query, json.dumps(body), content_type="application/json", **headers)


def _call(client, method: str, document: dict):
    return client.get(_document_url()) if method == "export" else _post(client, document)


# --------------------------------------------------------------------------- export


def test_the_document_is_export_json_byte_for_byte(staff_client, published):
    response = staff_client.get(_document_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == export_json(published).encode("utf-8")
    assert "Content-Disposition" not in response


def test_the_document_can_be_downloaded_as_a_named_file(staff_client, published):
    response = staff_client.get(_document_url(), {"download": "1"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mini-five-v1.json"'
    assert response.content == export_json(published).encode("utf-8")


def test_staff_can_export_a_draft_by_number(staff_client, published):
    draft = services.version_create_draft(from_version=published)

    response = staff_client.get(_document_url(), {"version": 2})

    assert response.status_code == 200
    assert response.content == export_json(draft).encode("utf-8")
    assert json.loads(response.content)["version"]["version"] == 2


def test_the_default_is_the_active_version(staff_client, published):
    draft = services.version_create_draft(from_version=published)
    services.version_publish(version=draft)

    response = staff_client.get(_document_url())

    assert json.loads(response.content)["version"]["version"] == 2


@pytest.mark.parametrize(
    ("slug", "query", "message"),
    [
        ("nobody", {}, 'Questionnaire "nobody" has no active version; ask for a draft with ?version=N.'),
        ("mini-five", {"version": 9}, 'Questionnaire "mini-five" has no version 9.'),
    ],
)
def test_an_unknown_questionnaire_or_version_is_a_json_404(staff_client, published, slug, query, message):
    response = staff_client.get(_document_url(slug), query)

    assert response.status_code == 404
    assert response.json() == {"detail": message}


def test_a_questionnaire_with_only_a_draft_has_no_default_document(staff_client):
    version = build_version()

    response = staff_client.get(_document_url(version.questionnaire.slug))

    assert response.status_code == 404
    assert staff_client.get(_document_url(version.questionnaire.slug), {"version": 1}).status_code == 200


def test_an_invalid_version_parameter_is_a_json_400(staff_client, published):
    response = staff_client.get(_document_url(), {"version": "abc"})

    assert response.status_code == 400
    assert response.json()["detail"] == "version must be a whole number, e.g. ?version=2."


# --------------------------------------------------------------------------- import


def test_importing_into_an_empty_library_creates_and_publishes_the_version(staff_client, document):
    response = _post(staff_client, document)

    assert response.status_code == 201
    assert response.json() == {
        "questionnaire": "mini-five",
        "version": 1,
        "created": True,
        "updated": True,
        "published": True,
    }
    version = QuestionnaireVersion.objects.get(questionnaire__slug="mini-five", version=1)
    assert version.published_at is not None and version.is_active


def test_draft_true_imports_an_unpublished_version(staff_client, document):
    response = _post(staff_client, document, query="?draft=true")

    assert response.status_code == 201
    assert response.json()["published"] is False
    version = QuestionnaireVersion.objects.get(questionnaire__slug="mini-five", version=1)
    assert (version.published_at, version.is_active) == (None, False)


def test_an_exported_document_imports_back_as_already_up_to_date(staff_client, published):
    exported = staff_client.get(_document_url()).content
    before = _counts()

    response = staff_client.post(IMPORT, exported, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {
        "questionnaire": "mini-five",
        "version": 1,
        "created": False,
        "updated": False,
        "published": True,
    }
    assert _counts() == before


def test_an_invalid_document_is_refused_with_every_path_and_nothing_is_written(staff_client, document):
    document["version"]["items"][3]["mappings"][0]["dimension"] = "n9"
    document["version"]["items"][1]["section"] = "elsewhere"
    before = _counts()

    response = _post(staff_client, document)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The questionnaire file has 2 errors.",
        "errors": [
            '$.version.items[1].section: unknown section "elsewhere" (sections: "about", "habits")',
            '$.version.items[3].mappings[0].dimension: unknown dimension "n9"',
        ],
    }
    assert _counts() == before == (0, 0, 0)


def test_a_changed_version_under_an_existing_number_is_refused(staff_client, published, document):
    document["version"]["items"][0]["text"] = "Something else entirely."
    before = _counts()

    response = _post(staff_client, document)

    assert response.status_code == 400
    assert response.json()["detail"] == "The questionnaire file has 1 error."
    assert response.json()["errors"][0].startswith("$.version.version: version 1 of mini-five already exists")
    assert _counts() == before


@pytest.mark.parametrize(("body", "kind"), [([], "an array"), ("text", "a string"), (3, "a number")])
def test_a_body_that_is_not_an_object_is_refused(staff_client, body, kind):
    response = _post(staff_client, body)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request body must be a JSON object: the questionnaire document.",
        "errors": [f"$: must be an object (the questionnaire document), not {kind}"],
    }
    assert _counts() == (0, 0, 0)


def test_a_body_that_is_not_json_is_refused(staff_client):
    response = staff_client.post(IMPORT, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_the_import_slug_is_reserved(staff_client, document):
    document["questionnaire"]["slug"] = "import"

    response = _post(staff_client, document)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        '$.questionnaire.slug: "import" is reserved (questionnaires/import/ is the import endpoint); '
        "choose another slug"
    ]
    assert _counts() == (0, 0, 0)


def test_the_import_route_is_not_read_as_a_questionnaire_slug(staff_client, published):
    # GET on the import route reaches the import view (POST only), not the detail of "import".
    assert staff_client.get(IMPORT).status_code == 405


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("method", ["export", "import"])
def test_anonymous_callers_get_401(api_client, published, document, method):
    response = _call(api_client, method, document)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("method", ["export", "import"])
def test_users_who_are_not_staff_get_403(api_client, published, document, method):
    api_client.force_authenticate(UserFactory())
    before = _counts()
    document["version"]["version"] = 2  # would be created, were the caller allowed

    response = _call(api_client, method, document)

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert _counts() == before


def test_a_staff_api_key_can_export_and_import(api_client, published):
    _, raw_key = account_services.api_key_create(user=UserFactory(is_staff=True), name="ci")
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}

    exported = api_client.get(_document_url(), **auth)
    document = json.loads(exported.content)
    document["version"]["version"] = 2
    imported = _post(api_client, document, **auth)

    assert exported.status_code == 200
    assert exported.content == export_json(published).encode("utf-8")
    assert imported.status_code == 201
    assert imported.json()["version"] == 2


def test_a_non_staff_api_key_is_refused(api_client, published):
    _, raw_key = account_services.api_key_create(user=UserFactory(), name="cli")

    response = api_client.get(_document_url(), HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    assert response.status_code == 403
