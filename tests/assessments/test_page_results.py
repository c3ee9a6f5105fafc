"""The result page of a scored session: charts, bands, the audit trail, run history."""

from html.parser import HTMLParser

import pytest

from assessments import services
from assessments.models import AnalysisRun, AssessmentSession
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    return session


def test_results_show_a_chart_per_domain_with_its_facets(user_client, scored):
    response = user_client.get(f"/assessments/{scored.pk}/results/")

    html = response.content.decode()
    assert response.status_code == 200
    # An overview of the domains, and a chart for the domain with a facet (warmth: cheerfulness).
    assert html.count('<svg class="chart-svg"') == 2
    assert "Warmth" in html and "Cheerfulness" in html and "Orderliness" in html
    assert 'class="chart-bar chart-bar-domain"' in html
    assert 'class="chart-bar chart-bar-facet"' in html  # facets are hatched, not just another colour
    assert 'id="chart-hatch"' in html


def test_each_chart_has_a_table_alternative_and_written_values(user_client, scored):
    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert html.count('<table class="visually-hidden">') == 2
    assert "<caption>Overview: scores from 0 to 100</caption>" in html
    assert "<caption>Warmth and its facets: scores from 0 to 100</caption>" in html
    assert 'aria-hidden="true" focusable="false" overflow="visible"' in html  # the SVG itself is decorative
    assert '<text class="chart-value" x="100%"' in html


class _TableRows(HTMLParser):
    """Counts table rows outside any table and the open/close balance of the page's blocks."""

    BLOCKS = ("section", "figure", "table", "tbody")

    def __init__(self):
        super().__init__()
        self.open = dict.fromkeys(self.BLOCKS, 0)
        self.stray_rows = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.open:
            self.open[tag] += 1
        if tag == "tr" and not self.open["table"]:
            self.stray_rows += 1

    def handle_endtag(self, tag):
        if tag in self.open:
            self.open[tag] -= 1


def test_every_table_row_is_inside_its_table_and_every_block_is_closed(user_client, scored):
    parser = _TableRows()
    parser.feed(user_client.get(f"/assessments/{scored.pk}/results/").content.decode())

    # A browser moves rows found outside a table in front of it: they showed as a line of text.
    assert parser.stray_rows == 0
    assert parser.open == dict.fromkeys(_TableRows.BLOCKS, 0)


def test_results_show_bands_narratives_and_the_composite(user_client, scored):
    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert "Primary trait" in html
    assert 'class="badge band band-' in html
    assert any(text in html for text in ("Rarely like this.", "Sometimes like this.", "Often like this."))


def test_why_this_score_lists_each_answers_contribution(user_client, scored):
    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert html.count('<details class="why">') >= 3
    assert "Why this score?" in html
    assert "How tidy is your desk?" in html  # question
    assert "Scaled from the answer" in html  # rule
    assert "+2.1" in html  # tidy = 7 × 0.3
    assert "Weight of the chosen option" in html
    assert "Parties" in html  # the option that carried a weight
    assert "Raw score (sum of contributions)" in html


def test_results_have_print_and_csv_export(user_client, scored):
    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert "data-print" in html  # personai.js opens the print dialog (no inline handlers under the CSP)
    assert f'href="/api/v1/sessions/{scored.pk}/export.csv"' in html


def test_results_list_the_run_history(user_client, scored):
    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert "Scoring history" in html
    assert '<span class="badge badge-success">Done</span>' in html
    assert "Re-score" not in html  # staff only


def test_staff_can_rescore_and_retry_a_failed_run(client, staff_user, page_version):
    session = self_session(staff_user, page_version, PAGE_ANSWERS)
    score_now(session)
    failed = AnalysisRun.objects.create(session=session, status="failed", error="KeyError: 'x'")
    client.force_login(staff_user)

    html = client.get(f"/assessments/{session.pk}/results/").content.decode()
    assert "Re-score" in html
    assert "KeyError: &#x27;x&#x27;" in html
    assert f"/assessments/{session.pk}/runs/{failed.pk}/retry/" in html

    retried = client.post(f"/assessments/{session.pk}/runs/{failed.pk}/retry/")
    rescored = client.post(f"/assessments/{session.pk}/rescore/")

    assert retried["Location"] == rescored["Location"] == f"/assessments/{session.pk}/done/"
    assert AnalysisRun.objects.filter(session=session).count() == 4
    failed.refresh_from_db()
    assert failed.error == "KeyError: 'x'"  # the failed run keeps its error


def test_non_staff_cannot_rescore_or_retry(user_client, scored):
    run = AnalysisRun.objects.get(session=scored)

    assert user_client.post(f"/assessments/{scored.pk}/rescore/").status_code == 403
    assert user_client.post(f"/assessments/{scored.pk}/runs/{run.pk}/retry/").status_code == 403
    assert AnalysisRun.objects.filter(session=scored).count() == 1


def test_failed_run_errors_are_hidden_from_non_staff(user_client, scored):
    AnalysisRun.objects.create(session=scored, status="failed", error="Traceback secrets")

    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert "Failed" in html
    assert "Traceback secrets" not in html


def test_results_of_an_unscored_session_lead_back_to_it(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    services.session_submit(session=session)

    response = user_client.get(f"/assessments/{session.pk}/results/")

    assert response["Location"] == f"/assessments/{session.pk}/"


def test_results_keep_showing_while_a_rescore_runs(user_client, scored):
    services.run_rescore(session=scored)

    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert "A new scoring run is in progress" in html
    assert html.count('<svg class="chart-svg"') == 2


def test_results_are_shown_in_the_sessions_language(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    AssessmentSession.objects.filter(pk=session.pk).update(locale="de")
    score_now(session)

    html = user_client.get(f"/assessments/{session.pk}/results/").content.decode()

    assert "Seitenprüfung" in html
    assert "Wärme" in html and "Frohsinn" in html
    assert "Wie ordentlich ist Ihr Schreibtisch?" in html
    assert any(label in html for label in ("Niedrig", "Mittel", "Hoch"))
