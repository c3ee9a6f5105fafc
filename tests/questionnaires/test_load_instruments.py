import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from questionnaires.importing import export_json, import_document
from questionnaires.management.commands.load_instruments import INSTRUMENTS_DIR
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    Questionnaire,
    QuestionnaireVersion,
    QuestionTraitMapping,
    TraitDimension,
)
from tests.questionnaires.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _load(directory) -> str:
    out = StringIO()
    call_command("load_instruments", "--directory", str(directory), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_an_empty_directory_loads_nothing(tmp_path):
    assert _load(tmp_path) == f"No instrument files in {tmp_path}.\n"


def test_every_file_is_imported_once(tmp_path):
    shutil.copy(FIXTURES / "mini-five.json", tmp_path)

    assert _load(tmp_path) == "Imported mini-five v1\n"
    assert _load(tmp_path) == "mini-five v1 is already up to date\n"
    assert QuestionnaireVersion.objects.count() == 1


def test_a_broken_file_does_not_stop_the_others(tmp_path, document):
    shutil.copy(FIXTURES / "mini-five.json", tmp_path / "b.json")
    document["questionnaire"]["slug"] = "broken"
    document["version"]["items"][0]["type"] = "slider"
    (tmp_path / "a.json").write_text(json.dumps(document))

    with pytest.raises(CommandError, match="Could not import a.json"):
        _load(tmp_path)

    assert list(Questionnaire.objects.values_list("slug", flat=True)) == ["mini-five"]


needs_instruments = pytest.mark.skipif(
    not (INSTRUMENTS_DIR / "ipip-neo-120.json").exists(), reason="built-in instruments not written yet"
)


@needs_instruments
def test_the_built_in_instruments_load_and_ipip_neo_120_is_complete():
    _load(INSTRUMENTS_DIR)

    version = QuestionnaireVersion.objects.get(questionnaire__slug="ipip-neo-120", is_active=True)
    dimensions = TraitDimension.objects.filter(analysis_model=version.analysis_model)
    assert version.items.count() == 120
    assert dimensions.filter(parent__isnull=True).count() == 5
    assert dimensions.filter(parent__isnull=False).count() == 30
    assert set(dimensions.filter(parent__isnull=False).values_list("parent__parent", flat=True)) == {None}
    reverse_keyed = QuestionTraitMapping.objects.filter(
        item__version=version, rule_type="range_linear", params__reverse=True
    )
    assert reverse_keyed.count() == 55


@needs_instruments
def test_loading_the_built_in_instruments_twice_creates_nothing_new():
    _load(INSTRUMENTS_DIR)
    counts = (
        QuestionnaireVersion.objects.count(),
        QuestionBankItem.objects.count(),
        TraitDimension.objects.count(),
    )

    output = _load(INSTRUMENTS_DIR)

    assert "Imported" not in output
    assert counts == (
        QuestionnaireVersion.objects.count(),
        QuestionBankItem.objects.count(),
        TraitDimension.objects.count(),
    )


@needs_instruments
@pytest.mark.parametrize("path", sorted(INSTRUMENTS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_each_built_in_instrument_round_trips_byte_identically(path):
    first = export_json(import_document(json.loads(path.read_text(encoding="utf-8"))).version)
    Questionnaire.objects.all().delete()
    QuestionBankItem.objects.all().delete()
    AnalysisModel.objects.all().delete()

    assert export_json(import_document(json.loads(first)).version) == first
