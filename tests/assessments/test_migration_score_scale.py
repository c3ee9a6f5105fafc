"""Migration 0010: runs stored with the per-dimension JSON keep their scale and relative emphasis,
now in their score rows, and their result loses only the repeated dimensions."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments import selectors, services
from assessments.models import AnalysisRun, TraitScore
from tests.assessments.factories import self_session, valid_answers_for

BEFORE = [("assessments", "0009_run_audit_by_option_contributions")]


def _migrate(targets=None) -> None:
    """To `targets`, or back to the latest migrations (the schema the other tests expect)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_run_stored_before_keeps_its_scale_in_its_score_rows(user, page_version):
    session = self_session(user, page_version, valid_answers_for(page_version))
    run = services.session_submit(session=session)
    services.run_score(run_id=run.pk)
    scores = {s.dimension.slug: s for s in selectors.run_scores(run)}
    slug, score = next((slug, s) for slug, s in scores.items() if s.scale_max is not None)
    other_dimension = next(s.dimension_id for s in scores.values() if s.dimension_id != score.dimension_id)
    stored = AnalysisRun.objects.get(pk=run.pk).result
    old_format = {
        **stored,
        "dimensions": [
            {"dimension": slug, "scale_min": 3.0, "scale_max": 17.0, "relative": None, "narrative": "n"},
            {"dimension": "not-a-dimension-of-this-version", "scale_min": 99.0, "scale_max": 100.0},
        ],
    }
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE assessments_analysisrun SET result = %s::jsonb WHERE id = %s",
                [json.dumps(old_format), run.pk],
            )
    finally:
        _migrate()

    migrated = TraitScore.objects.get(run_id=run.pk, dimension_id=score.dimension_id)
    assert (migrated.scale_min, migrated.scale_max, migrated.relative) == (3.0, 17.0, None)
    # A dimension the JSON did not list is left as it was (null after the column was re-added).
    untouched = TraitScore.objects.get(run_id=run.pk, dimension_id=other_dimension)
    assert (untouched.scale_min, untouched.scale_max) == (None, None)
    assert AnalysisRun.objects.get(pk=run.pk).result == stored
