"""Staff feedback: API list with filters, CSV with formula escaping, the /staff/feedback/ page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.services import subject_get_or_create_for_user
from personas.models import Feedback
from tests.factories import UserFactory
from tests.personas import mapper_fixtures as fx


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def feedback(user):
    """Five feedback rows over two versions of test-mapper and one of other-mapper."""
    v1 = fx.mapper(active=True)
    v2 = fx.mapper(active=True)
    other = fx.mapper("other-mapper", active=True)
    subject = subject_get_or_create_for_user(user=user)
    p1, p2, p3 = fx.persona_for(subject, v1), fx.persona_for(subject, v2), fx.persona_for(subject, other)
    rows = {
        "old": fx.feedback_on(p1, rating=2, helpful=False, comment="Too generic", created_by=user),
        "great": fx.feedback_on(
            p2, rating=5, helpful=True, comment="Spot on", rule_id="open-mind", created_by=user
        ),
        "formula": fx.feedback_on(
            p2, rating=1, comment='=HYPERLINK("http://evil")', context={"task": "+sum"}
        ),
        "unrated": fx.feedback_on(p2, helpful=True, comment="Nice"),
        "other": fx.feedback_on(p3, rating=4),
    }
    Feedback.objects.filter(pk=rows["old"].pk).update(created_at=timezone.now() - timedelta(days=10))
    return rows


def staff_client(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


# --------------------------------------------------------------------------- API list


def test_staff_list_every_feedback_newest_first(staff, feedback):
    response = staff_client(staff).get("/api/v1/feedback/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["results"][-1]["id"] == str(feedback["old"].pk)
    great = next(row for row in body["results"] if row["id"] == str(feedback["great"].pk))
    assert great["config_id"] == "test-mapper"
    assert great["mapper_version"] == 2
    assert great["rule_id"] == "open-mind"
    assert great["created_by"] == feedback["great"].created_by.email
    assert great["subject"] == str(feedback["great"].persona.subject_id)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rating=5", {"great"}),
        ("helpful=true", {"great", "unrated"}),
        ("helpful=false", {"old"}),
        ("mapper_version=2", {"great", "formula", "unrated"}),
        ("config_id=other-mapper", {"other"}),
        ("config_id=test-mapper&mapper_version=1", {"old"}),
    ],
)
def test_filters(staff, feedback, query, expected):
    response = staff_client(staff).get(f"/api/v1/feedback/?{query}")
    assert response.status_code == 200
    assert ids(response) == {str(feedback[name].pk) for name in expected}


def test_date_filters(staff, feedback):
    today = timezone.localdate()
    recent = staff_client(staff).get(f"/api/v1/feedback/?since={today - timedelta(days=1)}")
    assert str(feedback["old"].pk) not in ids(recent) and len(ids(recent)) == 4
    older = staff_client(staff).get(f"/api/v1/feedback/?until={today - timedelta(days=5)}")
    assert ids(older) == {str(feedback["old"].pk)}
    same_day = staff_client(staff).get(f"/api/v1/feedback/?since={today}&until={today}")
    assert len(ids(same_day)) == 4
    stamp = (timezone.now() - timedelta(days=20)).isoformat()
    by_time = staff_client(staff).get("/api/v1/feedback/", {"since": stamp})
    assert len(ids(by_time)) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("rating=6", "rating"),
        ("rating=five", "rating"),
        ("helpful=maybe", "helpful"),
        ("mapper_version=0", "mapper_version"),
        ("since=yesterday", "since"),
        ("since=2026-02-31", "since"),
        ("since=2026-05-02&until=2026-05-01", "until"),
        ("rating=", "rating"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(staff, feedback, query, field):
    response = staff_client(staff).get(f"/api/v1/feedback/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_is_paginated(staff, feedback):
    body = staff_client(staff).get("/api/v1/feedback/?limit=2").json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]


@pytest.mark.parametrize("url", ["/api/v1/feedback/", "/api/v1/feedback/export.csv"])
def test_normal_users_are_refused(user, feedback, url):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(url)
    assert response.status_code == 403
    assert "results" not in response.json()


@pytest.mark.parametrize("url", ["/api/v1/feedback/", "/api/v1/feedback/export.csv"])
def test_anonymous_is_refused(db, url):
    assert APIClient().get(url).status_code in (401, 403)


# --------------------------------------------------------------------------- CSV


def read_csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_every_column_and_escapes_formulas(staff, feedback):
    response = staff_client(staff).get("/api/v1/feedback/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="persona-feedback-')
    rows = read_csv(response)
    assert len(rows) == 5
    formula = next(row for row in rows if row["feedback_id"] == str(feedback["formula"].pk))
    assert formula["comment"] == '\'=HYPERLINK("http://evil")'
    assert formula["context"] == '{"task": "+sum"}'
    assert formula["rating"] == "1"
    assert formula["helpful"] == ""
    great = next(row for row in rows if row["feedback_id"] == str(feedback["great"].pk))
    assert (great["config_id"], great["mapper_version"], great["helpful"]) == ("test-mapper", "2", "true")
    assert great["created_by"] == feedback["great"].created_by.email


def test_csv_takes_the_same_filters(staff, feedback):
    rows = read_csv(staff_client(staff).get("/api/v1/feedback/export.csv?mapper_version=2&helpful=true"))
    assert {row["feedback_id"] for row in rows} == {str(feedback["great"].pk), str(feedback["unrated"].pk)}
    bad = staff_client(staff).get("/api/v1/feedback/export.csv?rating=9")
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/json")


# --------------------------------------------------------------------------- the staff page


def test_staff_page_lists_and_filters(client, staff, feedback):
    client.force_login(staff)
    page = client.get("/staff/feedback/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Persona feedback" in html
    assert "Spot on" in html and "Too generic" in html
    assert 'href="/api/v1/feedback/export.csv"' in html

    filtered = client.get("/staff/feedback/?rating=5&config_id=test-mapper")
    html = filtered.content.decode()
    assert "Spot on" in html and "Too generic" not in html
    assert "mean rating <strong>5.00</strong>" in html
    assert 'href="/api/v1/feedback/export.csv?rating=5&amp;config_id=test-mapper"' in html


def test_staff_page_answers_htmx_with_the_results_fragment(client, staff, feedback):
    client.force_login(staff)
    response = client.get("/staff/feedback/?helpful=false", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="feedback-results"')
    assert "Too generic" in html and "Spot on" not in html
    assert "<html" not in html


def test_staff_page_shows_bad_filters_without_failing(client, staff, feedback):
    client.force_login(staff)
    response = client.get("/staff/feedback/?rating=9&since=2026-05-02&until=2026-05-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "The end date is before the start date." in html


def test_normal_users_get_a_403_page(user_client, feedback):
    response = user_client.get("/staff/feedback/")
    assert response.status_code == 403
    assert b"Spot on" not in response.content


def test_anonymous_is_sent_to_log_in(client, feedback):
    response = client.get("/staff/feedback/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --------------------------------------------------------------------------- query counts


def count_queries(callable_) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = callable_()
    assert response.status_code == 200
    return len(captured)


def add_rows(user, count: int) -> None:
    mapper = fx.mapper("bulk-mapper", active=True)
    subject = subject_get_or_create_for_user(user=user)
    for index in range(count):
        fx.feedback_on(
            fx.persona_for(subject, mapper), rating=1 + index % 5, created_by=user, comment=f"c{index}"
        )


def test_page_and_api_cost_the_same_queries_for_more_rows(client, staff, user, feedback):
    client.force_login(staff)
    api = staff_client(staff)
    client.get("/staff/feedback/")  # warm caches (content types, sessions)
    page_few = count_queries(lambda: client.get("/staff/feedback/"))
    api_few = count_queries(lambda: api.get("/api/v1/feedback/"))
    add_rows(user, 20)
    page_more = count_queries(lambda: client.get("/staff/feedback/"))
    api_more = count_queries(lambda: api.get("/api/v1/feedback/"))
    assert page_more == page_few <= 8
    assert api_more == api_few <= 4
