"""The results overview: radar chart, summary paragraph, percentiles (norms and cohort), the
0–100 explanation under "Why this score?", the chart download, staff-only details, and DISC
results that never contradict the primary style."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import TraitScore
from assessments.norms import COHORT_MIN
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import (
    PAGE_ANSWERS,
    score_now,
    scored_session,
    self_session,
    valid_answers_for,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def builtin(slug: str) -> QuestionnaireVersion:
    call_command("load_instruments", verbosity=0)
    return QuestionnaireVersion.objects.get(questionnaire__slug=slug, is_active=True)


def answers_picking(version: QuestionnaireVersion, picks) -> dict:
    """Each item answered with option number picks(index) (0-based, clamped)."""
    answers = {}
    items = (
        version.items.select_related("bank_item")
        .prefetch_related("bank_item__options")
        .order_by("sort_order")
    )
    for index, item in enumerate(items):
        options = [option.key for option in item.bank_item.options.all()]
        answers[item.key] = options[min(picks(index), len(options) - 1)]
    return answers


@pytest.fixture
def neo(user):
    """An IPIP-NEO-120 result: items in the N column "Very Accurate", every other item "Accurate"."""
    version = builtin("ipip-neo-120")
    return scored_session(user, version, answers_picking(version, lambda i: 4 if i % 5 == 0 else 3))


def test_big_five_results_show_a_radar_beside_the_bars(user_client, neo):
    html = user_client.get(f"/assessments/{neo.pk}/results/").content.decode()

    assert '<svg class="radar-svg"' in html
    radar = html[
        html.index('<svg class="radar-svg"') : html.index("</svg>", html.index('<svg class="radar-svg"'))
    ]
    assert radar.count('<polygon class="radar-ring') == 4
    assert radar.count('<circle class="radar-dot"') == 5  # one per domain
    assert radar.count('<text class="radar-label"') == 5
    for name in ("Neuroticism", "Extraversion", "Agreeableness", "Conscientiousness"):
        assert f">{name}</text>" in radar
    assert 'style="' not in radar  # the CSP allows no inline styles


def test_narratives_say_where_a_score_stands_against_johnsons_norms(user_client, neo):
    html = user_client.get(f"/assessments/{neo.pk}/results/").content.decode()

    # Neuroticism: 24 items at 5 → raw 120, far above the reference mean 66.7 (SD 16.5): 99 %.
    assert "You score higher than 99 % of the reference group." in html
    assert "the reference group is Johnson&#x27;s IPIP-NEO-120 norms (adults of all ages" in html
    sentences = re.findall(r"You score higher than (\d+) % of the reference group", html)
    assert len(sentences) >= 35  # every domain and facet has a norm


def test_a_summary_paragraph_is_built_from_the_bands(user_client, neo):
    html = user_client.get(f"/assessments/{neo.pk}/results/").content.decode()

    summary = re.search(r'<p class="result-summary-text">(.*?)</p>', html).group(1)
    # Names grouped by band, the highest scores first.
    assert summary.startswith("In short: Neuroticism and Extraversion are high; ")
    # Neuroticism: 17 plus-keyed items at 5, 7 minus-keyed reversed to 1 → raw 92;
    # z = (92 − 66.72) / 16.46 = 1.54 → 93.8 %. Agreeableness: 7 × 4 + 17 × 2 = 62 → 2 %.
    assert summary.endswith(
        "Against the reference group you stand highest in Neuroticism (higher than 94 % of it) "
        "and lowest in Agreeableness (higher than 2 %)."
    )


def test_why_this_score_shows_how_the_raw_sum_becomes_the_0_to_100_score(user_client, neo):
    neuroticism = TraitScore.objects.get(run__session=neo, dimension__slug="n1-anxiety")
    html = user_client.get(f"/assessments/{neo.pk}/results/").content.decode()

    # Anxiety: four items at 5 → raw 20 of 4–20 → 100.
    assert neuroticism.raw_score == 20
    assert "From the questions you answered, the raw score could run from 4 to 20." in html
    assert "(20 − 4) ÷ (20 − 4) × 100 = 100." in html
    assert "The band uses the average per question: 20 ÷ 4 = 5, which is high." in html


def test_the_chart_downloads_as_a_standalone_svg(user_client, neo):
    response = user_client.get(f"/assessments/{neo.pk}/results/chart.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ipip-neo-120-chart.svg"'
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert 'xmlns="http://www.w3.org/2000/svg"' in body and "<style>" in body
    assert body.count('<circle class="radar-dot"') == 5


def test_another_user_cannot_download_the_chart(client, other_user, neo):
    client.force_login(other_user)

    assert client.get(f"/assessments/{neo.pk}/results/chart.svg").status_code == 404


def test_the_score_version_is_for_staff_only(user_client, client, staff_user, page_version, user):
    session = self_session(user, page_version, PAGE_ANSWERS)
    run = score_now(session)
    assert run.score_version

    assert (
        run.score_version[:12] not in user_client.get(f"/assessments/{session.pk}/results/").content.decode()
    )

    staff_session = self_session(staff_user, page_version, PAGE_ANSWERS)
    staff_run = score_now(staff_session)
    client.force_login(staff_user)
    staff_html = client.get(f"/assessments/{staff_session.pk}/results/").content.decode()
    assert "Score version" in staff_html and staff_run.score_version[:12] in staff_html


def _cohort(version, size: int) -> None:
    for index in range(size):
        scored_session(UserFactory(), version, {**PAGE_ANSWERS, "tidy": index % 11})


def test_the_cohort_percentile_appears_from_thirty_people_with_n(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    _cohort(page_version, COHORT_MIN - 1)

    url = f"/assessments/{session.pk}/results/"
    assert "people who took it here" not in user_client.get(url).content.decode()

    _cohort(page_version, 1)
    html = user_client.get(url).content.decode()
    assert f"of people who took it here (n = {COHORT_MIN})." in html


def test_the_results_page_costs_the_same_with_a_cohort_of_one_or_forty(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    url = f"/assessments/{session.pk}/results/"
    _cohort(page_version, 1)
    connection.queries_log.clear()  # a full log (9000 entries) would shift the captured slice
    with CaptureQueriesContext(connection) as small:
        assert user_client.get(url).status_code == 200
    _cohort(page_version, 39)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as large:
        html = user_client.get(url).content.decode()

    assert "(n = 40)" in html
    assert len(small.captured_queries) == len(large.captured_queries)


# --------------------------------------------------------------------------- DISC


def test_disc_results_band_relative_emphasis_and_never_contradict_the_primary_style(user_client, user):
    version = builtin("disc")
    assert version.analysis_model.slug == "disc-styles-relative"
    session = scored_session(user, version, valid_answers_for(version))  # first options: D leads

    scores = {
        s.dimension.slug: s
        for s in TraitScore.objects.filter(run__session=session).select_related("dimension")
    }
    primary = max(scores.values(), key=lambda s: s.normalized_score).dimension.slug
    assert scores[primary].band in ("moderate", "high")
    html = user_client.get(f"/assessments/{session.pk}/results/").content.decode()

    assert primary == "d"
    assert "You rarely push to take control" not in html
    assert "Dominance plays a smaller part" not in html
    assert "The band compares this score with the mean of your own scores" in html
    assert "reference group" not in html  # no percentiles for relative bands
    assert '<svg class="radar-svg"' in html  # four styles make a shape too
