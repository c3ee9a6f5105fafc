"""The built-in DISC instrument (every item type and a branch rule) through the pages, no JavaScript."""

import re

import pytest
from django.core.management import call_command

from assessments import services
from assessments.models import AnalysisRun, AssessmentSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def disc(db):
    call_command("load_instruments", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _post_page(client, url: str, html: str, values: dict) -> object:
    shown = re.search(r'name="shown" value="([^"]*)"', html).group(1)
    data = {"shown": shown, "nav": "next"}
    for key in shown.split(","):
        if key in values:
            data[f"a-{key}"] = values[key]
    return client.post(url, data)


ANSWERS = {
    "meeting-stalls": "a",
    "new-project": "b",
    "disagreement": "c",
    "deadline-moved": "d",
    "giving-feedback": "a",
    "step-in": "yes",
    "speak-to-group": "no",
    "prefer-routine": "no",
    "double-check": "yes",
    "decision-speed": "8",
    "people-energy": "3",
    "stability-need": "5",
    "work-rhythm": "fast",
    "leads-team": "yes",
    "lead-decisions": "7",
    "energisers": ["winning", "solving"],
    "anything-else": "I like clear goals.",
}


def test_disc_can_be_taken_page_by_page_reviewed_submitted_and_read(user_client, disc):
    start = user_client.post("/questionnaires/disc/")
    session = AssessmentSession.objects.get()
    url = start["Location"]
    seen_follow_up = False
    for _ in range(10):
        html = user_client.get(url).content.decode()
        response = _post_page(user_client, url, html, ANSWERS)
        if response.status_code == 200:  # the follow-up question appeared on the same page
            seen_follow_up = "When you lead, how do you usually reach decisions?" in response.content.decode()
            response = _post_page(user_client, url, response.content.decode(), ANSWERS)
        url = response["Location"]
        if url.endswith("/review/"):
            break

    review = user_client.get(url).content.decode()
    submitted = user_client.post(f"/assessments/{session.pk}/submit/")
    services.run_score(run_id=AnalysisRun.objects.get(session=session).pk)
    results = user_client.get(f"/assessments/{session.pk}/results/").content.decode()

    assert seen_follow_up
    assert "Every required question is answered." in review
    assert submitted["Location"] == f"/assessments/{session.pk}/done/"
    for style in ("Dominance", "Steadiness", "Conscientiousness"):
        assert style in results
    assert results.count('<svg class="chart-svg"') == 1  # DISC has no facets: one overview of four bars
    assert results.count('class="chart-bar chart-bar-domain"') == 4
    assert "When you lead, how do you usually reach decisions?" in results  # in "Why this score?"


def test_disc_sections_each_get_a_page(user_client, disc):
    user_client.post("/questionnaires/disc/")
    session = AssessmentSession.objects.get()

    titles = [
        user_client.get(f"/assessments/{session.pk}/q/{number}/").content.decode() for number in (1, 2, 3)
    ]

    assert "Everyday situations" in titles[0]
    assert "Your preferences" in titles[1]
    assert "Leading and what energises you" in titles[2]
    assert "decision-speed" in titles[1] and 'type="checkbox"' in titles[2]
    assert user_client.get(f"/assessments/{session.pk}/q/4/").status_code == 404


def test_disc_in_german(user_client, disc):
    user_client.post("/questionnaires/disc/?lang=de", {"lang": "de"})
    session = AssessmentSession.objects.get()

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert session.locale == "de"
    assert "Alltägliche Situationen" in html
    assert "Eine Teambesprechung ist ins Stocken geraten" in html
