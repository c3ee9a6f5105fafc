"""Batch scoring: claimed with SKIP LOCKED, stored set-based, equal to one-by-one scoring."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from assessments import batch_scoring, scoring, selectors, services
from assessments.models import (
    AnalysisRun,
    AssessmentSession,
    CompositeScore,
    OptionContribution,
    ResponseTraitComponent,
    TraitScore,
)
from questionnaires.importing import import_json
from questionnaires.models import TraitDimension
from tests.assessments.factories import self_session, valid_answers_for

pytestmark = pytest.mark.django_db

INSTRUMENTS = Path(__file__).resolve().parents[2] / "questionnaires" / "instruments"


def _random_answers(version, rng: random.Random) -> dict:
    answers = {}
    for item in version.items.select_related("bank_item").prefetch_related("bank_item__options"):
        options = [option.key for option in item.bank_item.options.all()]
        if item.bank_item.question_type == "single_choice":
            answers[item.key] = rng.choice(options)
    return {**valid_answers_for(version), **answers}


def _stored(run: AnalysisRun) -> tuple:
    """Everything stored for a run, without its own ids."""
    run.refresh_from_db()
    return (
        run.status,
        run.score_version,
        run.result,
        sorted(
            TraitScore.objects.filter(run=run).values_list(
                "dimension_id",
                "raw_score",
                "normalized_score",
                "item_mean",
                "band",
                "band_label",
                "item_count",
                "scale_min",
                "scale_max",
                "relative",
            )
        ),
        sorted(
            CompositeScore.objects.filter(run=run).values_list(
                "composite_id", "value", "primary_dimension_id"
            )
        ),
        sorted(
            (
                (
                    c.item_id,
                    c.option_id,
                    c.dimension_id,
                    c.mapping_id,
                    c.rule_type,
                    c.input_value,
                    c.contribution,
                )
                for c in selectors.run_components(run)
            ),
            key=repr,
        ),
    )


def _from_the_pure_engine(run: AnalysisRun) -> tuple:
    """What `_stored` must read for `run`: the pure engine's result on the session's answers,
    mapped to ids the way the ORM stored them before batch scoring."""
    session = AssessmentSession.objects.get(pk=run.session_id)
    plan = selectors.scoring_plan(session.questionnaire_version_id)
    result = scoring.score(plan.instrument, selectors.session_answers(session), as_of=session.submitted_at)
    ids = plan.dimension_ids
    return (
        AnalysisRun.Status.DONE,
        result.score_version,
        json.loads(json.dumps(result.to_stored_dict())),
        sorted(
            (
                ids[d.dimension],
                d.raw,
                d.normalized,
                d.item_mean,
                d.band or "",
                d.band_label or "",
                d.item_count,
                d.scale_min,
                d.scale_max,
                d.relative,
            )
            for d in result.dimensions
        ),
        sorted(
            (plan.composite_ids[c.composite], c.value, ids.get(c.primary) if c.primary else None)
            for c in result.composites
        ),
        sorted(
            (
                (
                    plan.item_ids[c.item],
                    plan.option_ids.get((c.item, c.option)) if c.option else None,
                    ids[c.dimension],
                    int(c.mapping_id) if c.mapping_id.isdigit() else None,
                    c.rule,
                    json.loads(json.dumps(c.input)),
                    c.contribution,
                )
                for c in result.components
            ),
            key=repr,
        ),
    )


@pytest.mark.parametrize("instrument", ["ipip-neo-120", "ipip-50", "disc"])
def test_batch_scoring_stores_what_one_by_one_scoring_stores(instrument):
    version = import_json((INSTRUMENTS / f"{instrument}.json").read_bytes(), publish=True).version
    rng = random.Random(instrument)
    pairs = []
    for n in range(6):
        user = User.objects.create_user(username=f"b{n}", email=f"b{n}@example.com", password="x" * 20)
        session = self_session(user, version, _random_answers(version, rng))
        one = services.session_submit(session=session)
        services.run_score(run_id=one.pk)
        batch = services.run_rescore(session=session)
        pairs.append((one, batch))

    assert services.runs_score_batch(run_ids=[batch.pk for _one, batch in pairs]) == len(pairs)

    for one, batch in pairs:
        assert _stored(batch) == _stored(one)
        assert _stored(batch) == _from_the_pure_engine(batch)


def test_a_batch_costs_the_same_number_of_statements_for_2_or_8_runs(user, page_version):
    def batch_of(count: int) -> int:
        runs = []
        for _ in range(count):
            session = self_session(user, page_version, valid_answers_for(page_version))
            runs.append(services.session_submit(session=session))
        with CaptureQueriesContext(connection) as context:
            services.runs_score_batch(run_ids=[run.pk for run in runs])
        assert all(_stored(run)[0] == AnalysisRun.Status.DONE for run in runs)
        # run_scored receivers (outbox rows per subject) are outside the batch's own writes.
        return len([q for q in context.captured_queries if "outbox" not in q["sql"]])

    selectors.version_plan(page_version.pk)
    assert batch_of(2) == batch_of(8)


def test_a_run_the_engine_cannot_score_fails_alone(user, page_version, monkeypatch):
    sessions = [self_session(user, page_version, valid_answers_for(page_version)) for _ in range(3)]
    runs = [services.session_submit(session=session) for session in sessions]
    real = services._score_one

    def flaky(run, plan, answers):
        if run.pk == runs[1].pk:
            raise ValueError("cannot score this one")
        return real(run, plan, answers)

    monkeypatch.setattr(services, "_score_one", flaky)

    assert services.runs_score_batch(run_ids=[run.pk for run in runs]) == 2

    statuses = [AnalysisRun.objects.get(pk=run.pk).status for run in runs]
    assert statuses == [AnalysisRun.Status.DONE, AnalysisRun.Status.FAILED, AnalysisRun.Status.DONE]
    assert "cannot score this one" in AnalysisRun.objects.get(pk=runs[1].pk).error
    assert AssessmentSession.objects.get(pk=sessions[1].pk).status == AssessmentSession.Status.SUBMITTED


def test_rescore_command_scores_every_submitted_session_of_the_version_again(user, page_version):
    sessions = [self_session(user, page_version, valid_answers_for(page_version)) for _ in range(5)]
    for session in sessions[:4]:
        services.session_submit(session=session)
    out, err = io.StringIO(), io.StringIO()

    call_command("rescore", page_version.questionnaire.slug, "--batch-size", "3", stdout=out, stderr=err)

    assert "Re-scored 4 sessions" in out.getvalue()
    assert "4/4" in err.getvalue()
    for session in sessions[:4]:
        assert AnalysisRun.objects.filter(session=session, status=AnalysisRun.Status.DONE).count() == 1
        assert AssessmentSession.objects.get(pk=session.pk).status == AssessmentSession.Status.SCORED
    assert not AnalysisRun.objects.filter(session=sessions[4]).exists()
    # Besides each submit's own run (its outbox task was not run here), only done runs were added.
    assert AnalysisRun.objects.exclude(status=AnalysisRun.Status.DONE).count() == 4


def test_deleting_a_session_deletes_its_scores_and_audit_rows(user, page_version):
    # No database FK from scores and audit rows to their run (migration 0008): Django's CASCADE
    # must still take them with the run.
    session = self_session(user, page_version, valid_answers_for(page_version))
    run = services.session_submit(session=session)
    assert services.runs_score_batch(run_ids=[run.pk]) == 1
    assert TraitScore.objects.filter(run=run).exists()
    assert ResponseTraitComponent.objects.filter(run=run).exists()

    AssessmentSession.objects.get(pk=session.pk).delete()

    assert not TraitScore.objects.filter(run_id=run.pk).exists()
    assert not ResponseTraitComponent.objects.filter(run_id=run.pk).exists()
    assert not CompositeScore.objects.filter(run_id=run.pk).exists()


def test_a_dimension_with_scores_cannot_be_deleted_and_one_without_can(user, page_version):
    # Neither a database FK nor an index of its own (migrations 0004, 0013): Django's PROTECT
    # must still refuse, and must still find the scores by dimension alone.
    session = self_session(user, page_version, valid_answers_for(page_version))
    run = services.session_submit(session=session)
    assert services.runs_score_batch(run_ids=[run.pk]) == 1
    scored = TraitScore.objects.filter(run=run).select_related("dimension").first().dimension

    with pytest.raises(ProtectedError):
        scored.delete()
    assert TraitScore.objects.filter(dimension=scored).exists()

    unscored = TraitDimension.objects.create(
        analysis_model=scored.analysis_model, slug="never-scored", name="Never scored", sort_order=99
    )
    unscored.delete()
    assert not TraitDimension.objects.filter(pk=unscored.pk).exists()


def test_a_run_scored_in_sql_reads_its_audit_from_the_versions_contributions_in_item_order():
    version = import_json((INSTRUMENTS / "ipip-50.json").read_bytes(), publish=True).version
    rng = random.Random(5)
    runs = []
    for n in range(3):
        user = User.objects.create_user(username=f"a{n}", email=f"a{n}@example.com", password="x" * 20)
        session = self_session(user, version, _random_answers(version, rng))
        one = services.session_submit(session=session)
        services.run_score(run_id=one.pk)
        runs.append((one, services.run_rescore(session=session)))
    assert services.runs_score_batch(run_ids=[batch.pk for _one, batch in runs[:2]]) == 2
    stored_once = OptionContribution.objects.filter(version=version).count()
    assert services.runs_score_batch(run_ids=[runs[2][1].pk]) == 1

    # The version's table is written once (the second batch adds nothing), no run has rows of its
    # own, and each run's audit equals, in order, what the engine wrote for the same answers.
    assert OptionContribution.objects.filter(version=version).count() == stored_once > 0
    for one, batch in runs:
        batch.refresh_from_db()
        assert batch.scored_option_ids is not None
        assert not ResponseTraitComponent.objects.filter(run=batch).exists()

        def audit(run):
            return [
                (
                    c.item.key,
                    c.option_id,
                    c.dimension.slug,
                    c.mapping_id,
                    c.rule_type,
                    c.input_value,
                    c.contribution,
                )
                for c in selectors.run_components(run)
            ]

        assert audit(batch) == audit(one)
        assert len(audit(batch)) == 50


def _band(lower, upper, lower_inclusive=True, upper_inclusive=False) -> scoring.Threshold:
    return scoring.Threshold(
        key="b",
        label="B",
        narrative="",
        lower=lower,
        upper=upper,
        lower_inclusive=lower_inclusive,
        upper_inclusive=upper_inclusive,
    )


@pytest.mark.parametrize(
    ("bands", "disjoint"),
    [
        ([_band(None, 3), _band(3, 3, True, True), _band(3, None, False, True)], True),  # IPIP-50's
        ([_band(None, 3), _band(3, None)], True),
        ([_band(None, 3, upper_inclusive=True), _band(3, None)], False),  # both hold 3
        ([_band(None, 3, upper_inclusive=True), _band(3, None, lower_inclusive=False)], True),
        ([_band(1, 5), _band(4, 9)], False),
        ([_band(None, None)], True),
        ([_band(None, None), _band(7, 8)], False),
        ([_band(None, 2), _band(None, 9)], False),
        ([_band(5, None), _band(1, 2), _band(2, 5)], True),  # order does not matter
    ],
)
def test_bands_are_disjoint_only_when_no_value_falls_in_two(bands, disjoint):
    assert batch_scoring._disjoint(bands) is disjoint


def test_overlapping_bands_give_each_score_the_first_band_that_holds_it_as_the_engine_does(user):
    document = json.loads((INSTRUMENTS / "ipip-50.json").read_bytes())
    document["questionnaire"]["slug"] = document["analysis_model"]["slug"] = "ipip-50-overlap"
    for dimension in document["analysis_model"]["dimensions"]:
        # A catch-all band first: every score is in it and in one of the instrument's own bands.
        dimension["thresholds"].insert(0, {"key": "any", "label": "Any", "lower": None, "upper": None})
    version = import_json(json.dumps(document).encode(), publish=True).version
    plan = selectors.version_plan(version.pk).derived("sql_scoring", services._compile_sql_scoring)
    assert plan is not None and plan.disjoint_bands is False
    rng = random.Random(5)
    runs = [
        services.session_submit(session=self_session(user, version, _random_answers(version, rng)))
        for _ in range(4)
    ]

    assert services.runs_score_batch(run_ids=[run.pk for run in runs]) == 4

    for run in runs:
        assert _stored(run) == _from_the_pure_engine(run)
        assert set(TraitScore.objects.filter(run=run).values_list("band", flat=True)) == {"any"}


@pytest.mark.parametrize("instrument", ["ipip-neo-120", "ipip-50"])
def test_the_built_in_big_five_bands_are_disjoint_so_scores_join_them_directly(instrument):
    version = import_json((INSTRUMENTS / f"{instrument}.json").read_bytes(), publish=True).version
    compiled = selectors.version_plan(version.pk).derived("sql_scoring", services._compile_sql_scoring)
    assert compiled is not None and compiled.disjoint_bands is True


def test_array_literals_read_back_as_the_values_they_render():
    texts = ["plain", 'a "quoted" word', "back\\slash", "{braces},commas", "", "NULL", "Grüße ✓", None]
    numbers = [0.1, 1e300, -2.5, 3.0, 7, None]
    documents = ['{"a": "x\\"y"}', "[1, 2]", None]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::float8[], %s::jsonb[], %s::bool[]",
            [
                batch_scoring.array_literal(texts),
                batch_scoring.array_literal(numbers),
                batch_scoring.array_literal(documents),
                batch_scoring.array_literal([True, False, None]),
            ],
        )
        read_texts, read_numbers, read_documents, read_booleans = cursor.fetchone()
    assert read_texts == texts
    assert read_numbers == [0.1, 1e300, -2.5, 3.0, 7.0, None]
    # Django has psycopg hand JSON over as text (JSONField parses it).
    assert [None if d is None else json.loads(d) for d in read_documents] == [{"a": 'x"y'}, [1, 2], None]
    assert read_booleans == [True, False, None]
