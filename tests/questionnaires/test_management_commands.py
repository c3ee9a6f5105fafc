import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from questionnaires.importing import export_json, import_document
from questionnaires.models import QuestionnaireVersion
from tests.questionnaires.conftest import FIXTURES

pytestmark = pytest.mark.django_db

FIXTURE = FIXTURES / "mini-five.json"


def _call(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_questionnaire_imports_and_then_reports_up_to_date():
    assert _call("import_questionnaire", str(FIXTURE))[0] == "Imported mini-five v1\n"
    assert _call("import_questionnaire", str(FIXTURE))[0] == "mini-five v1 is already up to date\n"
    assert QuestionnaireVersion.objects.get().is_active


def test_import_questionnaire_can_keep_a_draft():
    assert _call("import_questionnaire", str(FIXTURE), "--draft")[0] == "Imported mini-five v1 (draft)\n"
    assert QuestionnaireVersion.objects.get().published_at is None


def test_import_questionnaire_prints_every_error_and_fails(tmp_path, document):
    document["version"]["items"][3]["mappings"][0]["dimension"] = "n9"
    document["version"]["items"][0]["required"] = "yes"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_questionnaire", str(path), stdout=StringIO(), stderr=err)

    assert str(caught.value) == f"{path}: 2 errors; nothing was imported."
    assert err.getvalue().splitlines() == [
        "$.version.items[0].required: must be true or false, not a string",
        '$.version.items[3].mappings[0].dimension: unknown dimension "n9"',
    ]
    assert not QuestionnaireVersion.objects.exists()


def test_import_questionnaire_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_questionnaire", str(tmp_path / "nope.json"))


def test_export_questionnaire_writes_the_active_version_to_stdout(document):
    version = import_document(document).version

    out, _ = _call("export_questionnaire", "mini-five")

    assert out == export_json(version)


def test_export_questionnaire_writes_a_chosen_version_to_a_file(tmp_path, document):
    import_document(json.loads(json.dumps(document)))
    document["version"]["version"] = 2
    document["version"]["instructions"] = "Second version."
    import_document(document, publish=False)
    path = tmp_path / "v2.json"

    call_command(
        "export_questionnaire", "mini-five", "--version", "2", "--output", str(path), stderr=StringIO()
    )

    assert json.loads(path.read_text())["version"]["instructions"] == "Second version."


def test_export_questionnaire_fails_for_unknown_slugs_and_versions(document):
    import_document(document)

    with pytest.raises(CommandError, match='Questionnaire "nope" has no active version'):
        call_command("export_questionnaire", "nope")
    with pytest.raises(CommandError, match='Questionnaire "mini-five" has no version 7'):
        call_command("export_questionnaire", "mini-five", "--version", "7")
