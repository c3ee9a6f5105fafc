"""A German session gets a German interface around its German questions (Django i18n)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from assessments.models import AnalysisRun, AssessmentSession
from tests.assessments.factories import PAGE_ANSWERS, self_session

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"


def _german_session(user, version, answers=None) -> AssessmentSession:
    session = self_session(user, version, answers)
    AssessmentSession.objects.filter(pk=session.pk).update(locale="de")
    session.refresh_from_db()
    return session


def test_a_german_session_has_german_buttons_headings_and_header(user_client, user, page_version):
    session = _german_session(user, page_version, {"likes-people": "3"})

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert '<html lang="de">' in html
    assert "Über Sie" in html  # the questionnaire's own German section title
    assert "<strong>1 von 4</strong> beantwortet" in html
    assert "Speichern und weiter" in html
    assert "Später fortsetzen" in html
    assert "Zurück</button>" in html
    assert 'data-retrying="Nicht gespeichert – neuer Versuch läuft"' in html
    assert ">Fragebögen</a>" in html  # the site header too
    assert "Save and continue" not in html
    assert "Finish later" not in html


def test_a_german_review_and_autosave_fragment_speak_german(user_client, user, page_version, htmx):
    session = _german_session(user, page_version, PAGE_ANSWERS)

    review = user_client.get(f"/assessments/{session.pk}/review/").content.decode()
    fragment = user_client.post(
        f"/assessments/{session.pk}/autosave/", {"item": "likes-people", "a-likes-people": "2"}, **htmx
    ).content.decode()

    assert "<h1>Antworten überprüfen</h1>" in review
    assert "Antworten abschicken" in review
    assert ">Ändern<" in review
    assert "Alle Pflichtfragen sind beantwortet." in review
    assert "Gespeichert" in fragment


def test_german_messages_and_the_thank_you_page(user_client, user, page_version):
    session = _german_session(user, page_version, PAGE_ANSWERS)

    later = user_client.post(
        f"/assessments/{session.pk}/q/1/", {"shown": "", "nav": "exit"}, follow=True
    ).content.decode()
    user_client.post(f"/assessments/{session.pk}/submit/")
    done = user_client.get(f"/assessments/{session.pk}/done/").content.decode()

    assert "Ihre Antworten sind gespeichert." in later
    assert "Vielen Dank – Ihre Antworten sind angekommen" in done
    assert "Wird ausgewertet …" in done
    assert AnalysisRun.objects.filter(session=session).exists()


def test_the_start_page_in_german(user_client, page_version):
    html = user_client.get("/questionnaires/page-check/?lang=de").content.decode()

    assert "Bevor Sie beginnen" in html
    assert "<strong>4 Fragen</strong> und 1 freiwillige" in html
    assert ">Beginnen" in html


def test_an_english_session_stays_english(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert '<html lang="en">' in html
    assert "Save and continue" in html
    assert "Speichern und weiter" not in html


def test_a_session_in_a_language_the_interface_lacks_keeps_english_chrome(user_client, user, page_version):
    session = self_session(user, page_version)
    AssessmentSession.objects.filter(pk=session.pk).update(locale="fr")

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert '<html lang="en">' in html
    assert "Save and continue" in html


def test_a_multiple_choice_limit_is_said_once(user_client, user):
    call_command("load_instruments", stdout=open("/dev/null", "w"))  # noqa: SIM115
    user_client.post("/questionnaires/disc/")
    session = AssessmentSession.objects.get()
    AssessmentSession.objects.filter(pk=session.pk).update(locale="en")
    pages = [user_client.get(f"/assessments/{session.pk}/q/{n}/").content.decode() for n in (1, 2, 3)]
    html = next(page for page in pages if 'id="q-energisers"' in page)

    block = html[html.index('id="q-energisers"') :]
    block = block[: block.index("</fieldset>")]
    assert "Choose up to three." in block  # the questionnaire's own instruction
    assert 'class="question-hint"' not in block  # and no second, generated one


def _po_entries() -> list[tuple[str, str | None, list[str]]]:
    """(msgid, msgid_plural, msgstrs) of every translated entry in the German catalogue."""

    def text(lines: list[str]) -> str:
        joined = "".join(re.match(r'^[a-z_\[\]0-9]*\s*"(.*)"$', line).group(1) for line in lines)
        return joined.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

    entries = []
    for block in PO_FILE.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r"^(msgid_plural|msgid|msgstr(?:\[\d\])?) ", line)
            if match:
                key = match.group(1)
                fields[key] = [line]
            elif line.startswith('"') and key:
                fields[key].append(line)
        if "msgid" not in fields or not text(fields["msgid"]):
            continue
        strs = [text(lines) for name, lines in sorted(fields.items()) if name.startswith("msgstr")]
        if all(strs):
            plural = text(fields["msgid_plural"]) if "msgid_plural" in fields else None
            entries.append((text(fields["msgid"]), plural, strs))
    return entries


def test_the_committed_compiled_catalogue_matches_the_po_file():
    entries = _po_entries()

    assert len(entries) > 80
    with translation.override("de"):
        for msgid, plural, strs in entries:
            if plural is None:
                assert translation.gettext(msgid) == strs[0], msgid
            else:
                assert translation.ngettext(msgid, plural, 1) == strs[0], msgid
                assert translation.ngettext(msgid, plural, 5) == strs[1], msgid
