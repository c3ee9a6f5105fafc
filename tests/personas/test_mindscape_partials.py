"""The subject page partials: the mindscape tree and the observations timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from assessments import services as assessment_services
from personas.models import Mindscape, Observation
from personas.selectors.observations import observation_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(user):
    return assessment_services.subject_get_or_create_for_user(user=user)


def test_the_mindscape_tree_nests_details_and_shows_each_leafs_source(subject):
    mindscape = Mindscape.objects.create(
        subject=subject,
        traits={
            "big_five": {"openness": {"score": 72.5, "band": "high", "band_label": "High"}},
            "work": {"chronotype": "evening", "focus_patterns": {"peak_hours": [20, 9]}},
        },
        sources={
            "big_five.openness.score": {
                "kind": "assessment",
                "questionnaire": "ipip-neo-120",
                "run_id": "r1",
            },
            "big_five.openness.band": {"kind": "assessment", "questionnaire": "ipip-neo-120"},
            "big_five.openness.band_label": {"kind": "assessment", "questionnaire": "ipip-neo-120"},
            "work.chronotype": {"kind": "manual", "by": "u1"},
            "work.focus_patterns.peak_hours": {"kind": "observation", "count": 4},
        },
        version=7,
    )

    html = render_to_string("personas/_mindscape.html", {"subject": subject, "mindscape": mindscape})

    assert "Version 7" in html
    assert html.count("<details") == 4  # big_five, openness, work, focus_patterns
    assert html.index("Big Five") < html.index("Openness") < html.index("Work")
    assert "72.5 · High" in html  # the score node's headline
    assert "questionnaire · ipip-neo-120" in html
    assert "set by hand" in html
    assert "20, 9" in html
    assert 'title="work.focus_patterns.peak_hours"' in html
    assert "Nothing here yet" not in html


def test_an_empty_mindscape_explains_how_it_fills_in(subject):
    for mindscape in (None, Mindscape.objects.create(subject=subject, traits={}, version=1)):
        html = render_to_string("personas/_mindscape.html", {"subject": subject, "mindscape": mindscape})

        assert "Nothing here yet" in html
        assert "questionnaire" in html and "scored" in html
        assert "<details" not in html


def test_mindscape_text_is_escaped(subject):
    mindscape = Mindscape.objects.create(
        subject=subject, traits={"notes": {"x": "<script>alert(1)</script>"}}, sources={}, version=1
    )
    html = render_to_string("personas/_mindscape.html", {"subject": subject, "mindscape": mindscape})
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_the_timeline_lists_observations_newest_first_with_type_time_and_content(subject):
    now = timezone.now()
    Observation.objects.create(
        subject=subject,
        observation_type="user_input",
        content={"text": "I think best <b>late</b> at night."},
        created_at=now - timedelta(days=1),
    )
    Observation.objects.create(
        subject=subject,
        observation_type="work_session",
        content={"duration_minutes": 95, "focus_level": "deep", "tags": ["writing", "api"]},
        created_at=now,
    )

    html = render_to_string(
        "personas/_observations.html", {"subject": subject, "observations": observation_timeline(subject)}
    )

    assert html.index("Work session") < html.index("User input")
    assert "Duration minutes" in html and "95" in html
    assert "writing, api" in html
    assert "&lt;b&gt;late&lt;/b&gt;" in html
    assert f'datetime="{now.strftime("%Y-%m-%d")}' in html
    assert "No observations yet" not in html


def test_an_empty_timeline_says_how_observations_arrive(subject):
    html = render_to_string("personas/_observations.html", {"subject": subject, "observations": []})

    assert "No observations yet" in html
    assert f"/api/v1/subjects/{subject.pk}/observations/" in html


def test_long_content_is_shortened(subject):
    observation = Observation.objects.create(
        subject=subject,
        observation_type="calendar_event",
        content={
            "title": "x" * 300,
            "starts_at": "2026-03-02T09:00:00+01:00",
            "ends_at": "2026-03-02T10:00:00+01:00",
            "category": "meeting",
            "attendees": 4,
            "location": "Room 1",
            "recurring": True,
        },
    )
    html = render_to_string(
        "personas/_observations.html", {"subject": subject, "observations": [observation]}
    )

    assert "x" * 300 not in html
    assert "…" in html
    assert "+ 1 more field<" in html
