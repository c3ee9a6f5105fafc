import json

import pytest

from questionnaires import importing
from questionnaires.importing import export_json, import_document
from questionnaires.models import AnalysisModel, QuestionBankItem, Questionnaire
from tests.questionnaires.factories import QuestionBranchRuleFactory, build_version

pytestmark = pytest.mark.django_db


def _wipe_library():
    Questionnaire.objects.all().delete()
    QuestionBankItem.objects.all().delete()
    AnalysisModel.objects.all().delete()


def test_export_import_export_is_byte_identical_in_a_fresh_database(document):
    first = export_json(import_document(document).version)
    _wipe_library()

    second = export_json(import_document(json.loads(first)).version)

    assert second == first


def test_export_import_export_is_byte_identical_in_the_same_database(document):
    first = export_json(import_document(document).version)

    result = import_document(json.loads(first))

    assert result.created is False
    assert export_json(result.version) == first


def test_a_version_authored_in_the_admin_round_trips_too():
    version = build_version(items=4)
    item = version.items.get(key="q2")
    item.text_override = "An override replaces the bank text."
    item.save()
    QuestionBranchRuleFactory(item=version.items.get(key="q3"), logic={">": [{"var": "q1"}, "2"]})
    first = export_json(version)
    _wipe_library()

    second = export_json(import_document(json.loads(first)).version)

    assert second == first
    assert json.loads(second)["version"]["items"][1]["text"] == "An override replaces the bank text."


def test_the_export_is_sorted_indented_and_ends_with_a_newline(document):
    text = export_json(import_document(document).version)

    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "Über Sie" in text  # not escaped


def test_dimensions_are_exported_domains_first_each_followed_by_its_facets(document):
    data = importing.export_version(import_document(document).version)

    slugs = [d["slug"] for d in data["analysis_model"]["dimensions"]]

    assert slugs == ["extraversion", "friendliness", "neuroticism", "anxiety"]


def test_stored_floats_are_written_as_the_numbers_they_were(document):
    data = importing.export_version(import_document(document).version)

    neuroticism = data["analysis_model"]["dimensions"][2]
    assert neuroticism["range_hint"] == {"min": 2, "max": 10}
    assert json.dumps(neuroticism["thresholds"][0]["upper"]) == "2.5"
    assert json.dumps(data["version"]["items"][0]["options"][0]["value"]) == "1"
    assert data["version"]["items"][1]["mappings"][0]["effective_from"] == "2024-01-01T00:00:00+00:00"
