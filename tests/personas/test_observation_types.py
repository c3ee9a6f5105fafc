"""Observation types: the built-in JSON Schemas, errors by JSON path, registering a new type."""

from __future__ import annotations

import pytest

from personas import observation_types
from personas.services import observations as services


@pytest.fixture
def mood_type():
    observation_types.register_observation_type(
        "mood_check",
        {
            "type": "object",
            "properties": {"mood": {"enum": ["low", "ok", "high"]}},
            "required": ["mood"],
            "additionalProperties": False,
        },
        description="How the subject feels.",
    )
    yield
    observation_types.unregister_observation_type("mood_check")


def test_the_four_built_in_types_are_registered():
    assert {"work_session", "user_input", "calendar_event", "survey_feedback"} <= set(
        observation_types.type_names()
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("work_session", {"duration_minutes": 0}),
        (
            "work_session",
            {"started_at": "2026-03-02T09:30:00+01:00", "duration_minutes": 90.5, "focus_level": "deep"},
        ),
        ("user_input", {"text": "I like quiet mornings.", "channel": "chat"}),
        ("calendar_event", {"title": "1:1", "starts_at": "2026-03-02T09:30:00Z", "attendees": 2}),
        ("survey_feedback", {"rating": 4}),
        ("survey_feedback", {"comment": "Helpful."}),
    ],
)
def test_valid_content_has_no_errors(name, content):
    assert observation_types.content_errors(name, content) == {}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "work_session",
            {"duration_minutes": -5},
            {"content.duration_minutes": ["-5 is less than the minimum of 0"]},
        ),
        ("work_session", {}, {"content.duration_minutes": ["'duration_minutes' is a required property"]}),
        (
            "work_session",
            {"duration_minutes": 5, "tags": ["ok", ""]},
            {"content.tags.1": ["'' should be non-empty"]},
        ),
        ("work_session", {"duration_minutes": 5, "started_at": "2026-03-02T09:30:00"}, None),
        ("survey_feedback", {}, {"content": ["Give at least one of: rating, comment."]}),
        ("survey_feedback", {"rating": 6}, {"content.rating": ["6 is greater than the maximum of 5"]}),
        ("user_input", ["text"], {"content": ["['text'] is not of type 'object'"]}),
    ],
)
def test_invalid_content_is_reported_by_json_path(name, content, expected):
    errors = observation_types.content_errors(name, content)
    assert errors
    if expected is not None:
        assert errors == expected


def test_a_registered_type_is_validated_and_listed(mood_type):
    assert observation_types.content_errors("mood_check", {"mood": "ok"}) == {}
    assert observation_types.content_errors("mood_check", {"mood": "meh"}) == {
        "content.mood": ["'meh' is not one of ['low', 'ok', 'high']"]
    }
    assert observation_types.get_observation_type("mood_check").description == "How the subject feels."
    item = services.NewObservation("mood_check", {"mood": "high"})
    assert services.observation_errors(item) == {}


@pytest.mark.parametrize(
    ("name", "schema"),
    [("Bad Name", {"type": "object"}), ("ok_name", {"type": "no-such-type"}), ("", {})],
)
def test_a_bad_name_or_schema_is_refused(name, schema):
    with pytest.raises(ValueError):
        observation_types.register_observation_type(name, schema)


def test_unknown_types_and_bulk_prefixes_in_service_errors():
    errors = services.observation_errors(services.NewObservation("dream", {}), prefix="7.")
    assert list(errors) == ["7.observation_type"]
    assert "work_session" in errors["7.observation_type"][0]
