"""Observer wording: the texts survey responders read about someone else, in files and the admin."""

import json

import pytest
from django.contrib.messages import get_messages

from assessments import services as assessment_services
from questionnaires import services, wording
from questionnaires.importing import ImportValidationError, export_json, import_document
from questionnaires.management.commands.load_instruments import INSTRUMENTS_DIR
from questionnaires.models import QuestionBankItem, QuestionnaireItem, QuestionnaireVersion, QuestionOption
from tests.factories import UserFactory
from tests.questionnaires.factories import build_version

CHANGELIST = "/admin/questionnaires/questionnaireversion/"


def _item(**bank) -> QuestionnaireItem:
    return QuestionnaireItem(key="q1", bank_item=QuestionBankItem(key="b/q1", **bank))


# --------------------------------------------------------------------------- which text, pure


def test_an_observer_reads_the_observer_text_with_the_name_filled_in():
    item = _item(text="Am the life of the party.", observer_text="{name} is the life of the party.")

    assert wording.item_text(item, None, "Alice") == "Alice is the life of the party."
    assert wording.item_text(item, None) == "Am the life of the party."


def test_the_observer_falls_back_to_the_self_text_in_their_language_before_the_default_observer_text():
    item = _item(
        text="Am the life of the party.",
        observer_text="Is the life of the party.",
        translations={"de": {"text": "Bin die Stimmungskanone."}, "fr": {}},
    )

    assert wording.item_text(item, "de", "Alice") == "Bin die Stimmungskanone."
    assert wording.item_text(item, "fr", "Alice") == "Is the life of the party."


def test_a_translated_observer_text_wins_in_its_language():
    item = _item(
        text="Am the life of the party.",
        observer_text="Is the life of the party.",
        translations={"de": {"text": "Bin …", "observer_text": "Ist die Stimmungskanone auf Partys."}},
    )

    assert wording.item_text(item, "de", "Alice") == "Ist die Stimmungskanone auf Partys."


def test_only_the_name_placeholder_is_interpreted():
    item = _item(text="x", observer_text="Does {name} like {braces} and {0}?")

    assert wording.item_text(item, None, "Al {name}") == "Does Al {name} like {braces} and {0}?"


def test_an_item_override_replaces_the_text_in_every_perspective():
    item = _item(text="Am calm.", observer_text="Is calm.")
    item.text_override = "Stay calm under pressure."

    assert wording.item_text(item, None, "Alice") == "Stay calm under pressure."


def test_option_labels_section_titles_and_instructions_have_observer_forms():
    option = QuestionOption(key="a", label="propose a decision.", observer_label="proposes a decision.")
    version = QuestionnaireVersion(
        instructions="Describe yourself.",
        observer_instructions="Describe {name}.",
        sections=[{"key": "main", "title": "About you", "observer_title": "About {name}"}],
        translations={"de": {"instructions": "Beschreiben Sie sich."}},
    )

    assert wording.option_label(option, None, "Alice") == "proposes a decision."
    assert wording.option_label(option, None) == "propose a decision."
    assert wording.section_title(version, "main", None, "Alice") == "About Alice"
    assert wording.instructions(version, None, "Alice") == "Describe Alice."
    assert wording.instructions(version, "de", "Alice") == "Beschreiben Sie sich."


# --------------------------------------------------------------------------- files


@pytest.mark.django_db
def test_observer_texts_round_trip_through_export_and_import(document):
    version = document["version"]
    version["observer_instructions"] = "Describe {name}."
    version["sections"][0]["observer_title"] = "About {name}"
    item = version["items"][0]
    item["observer_text"] = "{name} makes friends easily."
    item["translations"]["de"]["observer_text"] = "{name} findet leicht Freunde."
    item["options"][0]["observer_label"] = "Not {name} at all"
    item["options"][0]["translations"]["de"]["observer_label"] = "Gar nicht {name}"

    first = export_json(import_document(document).version)
    QuestionnaireVersion.objects.all().delete()
    QuestionBankItem.objects.all().delete()
    second = export_json(import_document(json.loads(first)).version)

    assert second == first
    exported = json.loads(first)["version"]
    assert exported["observer_instructions"] == "Describe {name}."
    assert exported["sections"][0]["observer_title"] == "About {name}"
    assert exported["items"][0]["observer_text"] == "{name} makes friends easily."
    assert exported["items"][0]["translations"]["de"]["observer_text"] == "{name} findet leicht Freunde."
    assert exported["items"][0]["options"][0]["observer_label"] == "Not {name} at all"


@pytest.mark.django_db
def test_a_changed_observer_text_is_different_content(document):
    import_document(document)
    document["version"]["items"][0]["observer_text"] = "Makes friends easily."

    with pytest.raises(ImportValidationError, match="already exists with different content"):
        import_document(document)


@pytest.mark.django_db
def test_observer_fields_must_be_text(document):
    document["version"]["items"][0]["observer_text"] = 3
    document["version"]["items"][0]["options"][0]["observer_label"] = ["x"]

    with pytest.raises(ImportValidationError) as raised:
        import_document(document)

    assert any(e.startswith("$.version.items[0].observer_text:") for e in raised.value.errors)
    assert any(e.startswith("$.version.items[0].options[0].observer_label:") for e in raised.value.errors)


@pytest.mark.parametrize(
    ("name", "item", "expected"),
    [
        ("ipip-50.json", 0, "Is the life of the party."),
        ("ipip-50.json", 5, "Doesn't talk a lot."),
        ("ipip-neo-120.json", 0, "Worries about things."),
        (
            "disc.json",
            5,
            "When a group has no clear leader, does {name} usually step in and organise things?",
        ),
    ],
)
def test_the_built_in_instruments_ship_observer_texts(name, item, expected):
    document = json.loads((INSTRUMENTS_DIR / name).read_text(encoding="utf-8"))
    items = document["version"]["items"]

    assert items[item]["observer_text"] == expected
    assert all(i["observer_text"] for i in items)
    assert "{name}" in document["version"]["observer_instructions"]
    for i in items:  # German where the self text is German
        if i["translations"].get("de", {}).get("text"):
            assert i["translations"]["de"]["observer_text"], i["key"]


# --------------------------------------------------------------------------- publishing warns


def _publish(admin_client, version) -> list:
    response = admin_client.post(
        CHANGELIST,
        {"action": "publish_versions", "_selected_action": [version.pk], "confirm": "yes"},
        follow=True,
    )
    return list(get_messages(response.wsgi_request))


@pytest.mark.django_db
def test_publishing_warns_when_surveys_use_the_questionnaire_and_texts_lack_an_observer_form(admin_client):
    published = build_version(items=3, published=True)
    assessment_services.survey_create(owner=UserFactory(), version=published)
    draft = services.version_create_draft(from_version=published)

    messages = _publish(admin_client, draft)

    warnings = [str(m) for m in messages if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "3 question text(s) of version 2 have no observer wording: q1, q2, q3" in warnings[0]
    draft.refresh_from_db()
    assert draft.is_active  # a warning, not a refusal


@pytest.mark.django_db
def test_the_publish_confirmation_shows_the_observer_warning(admin_client):
    published = build_version(items=2, published=True)
    assessment_services.survey_create(owner=UserFactory(), version=published)
    draft = services.version_create_draft(from_version=published)

    html = admin_client.get(f"{CHANGELIST}{draft.pk}/publish/").content.decode()

    assert "have no observer wording: q1, q2" in html


@pytest.mark.django_db
def test_publishing_does_not_warn_without_surveys_or_with_complete_observer_texts(admin_client):
    lonely = build_version(items=2)
    assert [m.level_tag for m in _publish(admin_client, lonely)] == ["success"]

    published = build_version(items=2, published=True)
    assessment_services.survey_create(owner=UserFactory(), version=published)
    draft = services.version_create_draft(from_version=published)
    QuestionBankItem.objects.filter(uses__version=draft).update(observer_text="Is {name} fine?")

    assert [m.level_tag for m in _publish(admin_client, draft)] == ["success"]


@pytest.mark.django_db
def test_a_published_version_used_by_surveys_says_which_texts_lack_an_observer_form(admin_client):
    published = build_version(items=1, published=True)
    page = f"{CHANGELIST}{published.pk}/change/"
    assert "observer wording" not in admin_client.get(page).content.decode()

    assessment_services.survey_create(owner=UserFactory(), version=published)

    assert "have no observer wording: q1" in admin_client.get(page).content.decode()
