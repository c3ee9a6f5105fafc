"""Reports of a finished run (assessments/reports.py through services.report_get_or_create):
Markdown and canonical JSON, localised, stored once per (run, format, locale), deterministic."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from assessments import reports, services
from assessments.models import AnalysisReport, AnalysisRun, AssessmentSession
from questionnaires import selectors as questionnaire_selectors
from questionnaires.models import TraitThreshold, translated
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def ipip(db):
    call_command("load_instruments", stdout=io.StringIO())
    return questionnaire_selectors.version_active(questionnaire_slug="ipip-50")


def ipip_answers(version) -> dict[str, str]:
    """Every item answered, spread over the scale so the domains land in different bands."""
    items = version.items.order_by("sort_order", "id")
    return {item.key: str(1 + (position * 3) % 5) for position, item in enumerate(items)}


def scored_ipip(user, version, *, locale: str = "en") -> AnalysisRun:
    session = services.session_start(
        subject=services.subject_get_or_create_for_user(user=user),
        version=version,
        respondent_kind=AssessmentSession.RespondentKind.SELF,
        respondent_user=user,
        locale=locale,
    )
    services.responses_save(session=session, answers=ipip_answers(version))
    return score_now(session)


def expected_domains(run: AnalysisRun, lang: str | None) -> list[tuple[str, str, str, float]]:
    """(name, band label, narrative, normalized) of each domain, looked up independently."""
    rows = []
    for score in run.scores.select_related("dimension").order_by("dimension__sort_order"):
        threshold = TraitThreshold.objects.get(dimension=score.dimension, key=score.band)
        rows.append(
            (
                translated(score.dimension, "name", lang),
                translated(threshold, "label", lang),
                translated(threshold, "narrative", lang),
                score.normalized_score,
            )
        )
    return rows


def test_the_markdown_report_has_each_domain_with_its_band_score_and_narrative(user, ipip):
    run = scored_ipip(user, ipip)

    markdown = services.report_get_or_create(run=run, format="markdown", locale="en").content

    assert markdown.startswith("# IPIP Big-Five Factor Markers (50 items) — results\n\nScores run from 0")
    domains = expected_domains(run, None)
    assert len(domains) == 5
    assert len({label for _name, label, _narrative, _score in domains}) > 1  # the answers spread
    for name, label, narrative, normalized in domains:
        assert f"\n## {name} — {label} ({round(normalized)}/100)\n\n{narrative}\n" in markdown
    assert "\n## Summary\n\n- Primary trait: " in markdown
    assert markdown.endswith(f"· run {run.pk} · scored {run.finished_at.date().isoformat()}_\n")
    assert f"Score version {run.score_version} " in markdown


def test_the_markdown_report_is_in_german_with_lang_de(user, ipip):
    run = scored_ipip(user, ipip)

    report = services.report_get_or_create(run=run, format="markdown", locale="de")

    markdown = report.content
    assert report.locale == "de"
    assert markdown.startswith("# IPIP Big-Five-Faktormarker (50 Aussagen) — Ergebnisse\n\nDie Werte reichen")
    for name, label, narrative, normalized in expected_domains(run, "de"):
        assert f"\n## {name} — {label} ({round(normalized)}/100)\n\n{narrative}\n" in markdown
    assert "Gewissenhaftigkeit" in markdown and "Conscientiousness" not in markdown
    assert "\n## Zusammenfassung\n\n- Stärkstes Merkmal: " in markdown
    assert "Bewertungsversion" in markdown


def test_facets_are_listed_under_their_domain(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    run = score_now(session)

    markdown = services.report_get_or_create(run=run, format="markdown", locale="de").content

    warmth = markdown.index("## Wärme — ")
    order = markdown.index("## Ordnung — ")
    facet = markdown.index("\n- Frohsinn — ")
    assert warmth < facet < order  # the facet sits in its domain's section
    assert any(f"/100): {text}" in markdown for text in ("Selten so.", "Manchmal so.", "Oft so."))


def test_the_json_report_is_canonical_json_with_the_expected_keys(user, ipip):
    run = scored_ipip(user, ipip, locale="de")

    report = services.report_get_or_create(run=run, format="json", locale="de")

    data = json.loads(report.content)
    assert report.content == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2)
    assert set(data) == {
        "format",
        "questionnaire",
        "locale",
        "session",
        "run",
        "score_version",
        "generated_at",
        "normalization",
        "dimensions",
        "composites",
        "skipped_count",
        "unanswered_count",
    }
    assert data["questionnaire"] == {
        "slug": "ipip-50",
        "title": "IPIP Big-Five-Faktormarker (50 Aussagen)",
        "version": 2,
    }
    assert data["run"] == str(run.pk) and data["score_version"] == run.score_version
    assert data["generated_at"] == run.finished_at.isoformat()  # when the run finished, not now
    assert [d["slug"] for d in data["dimensions"]] == [
        "extraversion",
        "agreeableness",
        "conscientiousness",
        "emotional-stability",
        "intellect",
    ]
    first = data["dimensions"][0]
    assert set(first) == {
        "slug",
        "name",
        "description",
        "band",
        "band_label",
        "narrative",
        "raw",
        "normalized",
        "item_mean",
        "item_count",
        "facets",
    }
    score = run.scores.get(dimension__slug="extraversion")
    assert (first["raw"], first["normalized"], first["item_mean"]) == pytest.approx(
        (score.raw_score, score.normalized_score, score.item_mean), abs=1e-6
    )
    assert first["item_count"] == 10
    assert first["facets"] == []
    (composite,) = data["composites"]
    assert composite["slug"] == "primary-trait" and composite["name"] == "Stärkstes Merkmal"
    assert composite["primary"] in {d["slug"] for d in data["dimensions"]}
    assert (data["skipped_count"], data["unanswered_count"]) == (0, 0)


def test_the_json_report_nests_facets(user, page_version):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))

    data = json.loads(services.report_get_or_create(run=run, format="json", locale="en").content)

    assert [d["slug"] for d in data["dimensions"]] == ["warmth", "order"]
    assert [f["slug"] for f in data["dimensions"][0]["facets"]] == ["cheer"]
    assert "facets" not in data["dimensions"][0]["facets"][0]


def test_a_report_is_stored_once_per_run_format_and_locale(user, page_version):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))

    first = services.report_get_or_create(run=run, format="markdown", locale="de")
    again = services.report_get_or_create(run=run, format="markdown", locale="de")
    services.report_get_or_create(run=run, format="json", locale="de")
    services.report_get_or_create(run=run, format="markdown", locale="en")

    assert again.pk == first.pk and again.content == first.content
    assert sorted(AnalysisReport.objects.filter(run=run).values_list("format", "locale")) == [
        ("json", "de"),
        ("markdown", "de"),
        ("markdown", "en"),
    ]


def test_a_locale_without_texts_falls_back_to_the_default_and_is_stored_under_it(user, page_version):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))

    french = services.report_get_or_create(run=run, format="markdown", locale="fr")
    swiss = services.report_get_or_create(run=run, format="markdown", locale="de-CH")
    english = services.report_get_or_create(run=run, format="markdown", locale="en")

    assert french.locale == "en" and french.pk == english.pk
    assert "# Page check — results" in french.content
    assert swiss.locale == "de" and "# Seitenprüfung — Ergebnisse" in swiss.content
    assert AnalysisReport.objects.filter(run=run).count() == 2


def test_a_stored_report_is_read_back_without_rendering(user, page_version, monkeypatch):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))
    stored = services.report_get_or_create(run=run, format="json", locale="en")

    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(reports, "render", must_not_render)
    assert services.report_get_or_create(run=run, format="json", locale="en").pk == stored.pk


def test_a_report_stored_concurrently_is_the_one_returned(user, page_version, monkeypatch):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))
    render = reports.render

    def render_while_another_request_stores_it(data, *, format, locale):
        content = render(data, format=format, locale=locale)
        AnalysisReport.objects.create(run=run, format=format, locale=locale, content=content)
        return content

    monkeypatch.setattr(reports, "render", render_while_another_request_stores_it)
    report = services.report_get_or_create(run=run, format="markdown", locale="en")

    assert report.pk == AnalysisReport.objects.get(run=run).pk


def test_rendering_twice_from_the_database_is_byte_identical(user, ipip):
    run = scored_ipip(user, ipip)
    contents = {}
    for format in ("markdown", "json"):
        first = services.report_get_or_create(run=run, format=format, locale="de").content
        AnalysisReport.objects.filter(run=run).delete()
        run = AnalysisRun.objects.get(pk=run.pk)
        contents[format] = (first, services.report_get_or_create(run=run, format=format, locale="de").content)

    for first, second in contents.values():
        assert first.encode() == second.encode()


def test_the_report_does_not_depend_on_the_order_rows_come_in(user, page_version):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))
    data = services._report_data(run)
    shuffled = reports.ReportData(
        run=data.run,
        version=data.version,
        scores=list(reversed(data.scores)),
        composites=list(reversed(data.composites)),
        thresholds=list(reversed(data.thresholds)),
    )

    for format in reports.FORMATS:
        assert reports.render(data, format=format, locale="de") == reports.render(
            shuffled, format=format, locale="de"
        )


def test_a_rescore_gets_reports_of_its_own_and_the_old_ones_stay(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    old_run = score_now(session)
    old = services.report_get_or_create(run=old_run, format="markdown", locale="en")

    new_run = services.run_rescore(session=session)
    services.run_score(run_id=new_run.pk)
    new_run.refresh_from_db()
    new = services.report_get_or_create(run=new_run, format="markdown", locale="en")

    assert new.pk != old.pk and new.run_id == new_run.pk
    assert f"run {new_run.pk}" in new.content
    assert AnalysisReport.objects.filter(pk=old.pk, run=old_run).exists()
    assert AnalysisReport.objects.count() == 2


@pytest.mark.parametrize("status", [AnalysisRun.Status.PENDING, AnalysisRun.Status.RUNNING])
def test_an_unfinished_run_has_no_report(user, page_version, status):
    session = self_session(user, page_version, PAGE_ANSWERS)
    run = services.session_submit(session=session)
    AnalysisRun.objects.filter(pk=run.pk).update(status=status)
    run.refresh_from_db()

    with pytest.raises(services.AssessmentError, match="The scores are not ready yet."):
        services.report_get_or_create(run=run, format="markdown", locale="en")
    assert not AnalysisReport.objects.exists()


def test_an_unknown_format_is_refused(user, page_version):
    run = score_now(self_session(user, page_version, PAGE_ANSWERS))

    with pytest.raises(services.AssessmentError):
        services.report_get_or_create(run=run, format="html", locale="en")
