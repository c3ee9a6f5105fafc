"""An installation that loaded DISC version 1 (bands on the absolute 0–100 score, analysis model
"disc-styles") gets version 2 (relative bands, "disc-styles-relative") from `load_instruments`,
without touching version 1 or its scores."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command

from assessments.models import TraitScore
from questionnaires.importing import import_document
from questionnaires.management.commands.load_instruments import INSTRUMENTS_DIR
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import scored_session, valid_answers_for

pytestmark = pytest.mark.django_db


def disc_version_1() -> dict:
    """The shipped DISC document as version 1 was: absolute bands below 40 / 40–60 / above 60."""
    document = copy.deepcopy(json.loads((INSTRUMENTS_DIR / "disc.json").read_text()))
    model = document["analysis_model"]
    model["slug"] = "disc-styles"
    model["config"] = {
        "aggregation": "sum",
        "normalization": {"method": "minmax"},
        "band_basis": "normalized",
    }
    for dimension in model["dimensions"]:
        low, moderate, high = dimension["thresholds"]
        low.update(lower=None, upper=40, lower_inclusive=True, upper_inclusive=False)
        moderate.update(lower=40, upper=60, lower_inclusive=True, upper_inclusive=True)
        high.update(lower=60, upper=None, lower_inclusive=False, upper_inclusive=True)
    document["version"]["version"] = 1
    return document


def test_loading_the_instruments_adds_disc_version_2_beside_version_1(user):
    old = import_document(disc_version_1(), publish=True).version
    old_session = scored_session(user, old, valid_answers_for(old))
    old_bands = list(TraitScore.objects.filter(run__session=old_session).values_list("band", flat=True))

    call_command("load_instruments", verbosity=0)

    active = QuestionnaireVersion.objects.get(questionnaire__slug="disc", is_active=True)
    assert active.version == 2
    assert active.analysis_model.slug == "disc-styles-relative"
    assert active.analysis_model.config["band_basis"] == "relative"
    old.refresh_from_db()
    assert not old.is_active and old.analysis_model.slug == "disc-styles"
    assert (
        list(TraitScore.objects.filter(run__session=old_session).values_list("band", flat=True)) == old_bands
    )


def test_loading_twice_changes_nothing_more():
    call_command("load_instruments", verbosity=0)
    call_command("load_instruments", verbosity=0)

    assert QuestionnaireVersion.objects.filter(questionnaire__slug="disc").count() == 1
