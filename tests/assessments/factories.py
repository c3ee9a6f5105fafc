"""Factories and builders for assessments tests (shared: append, do not rewrite).

`import_api_instrument()` imports and publishes a seven-item instrument through the real
importer: every item type, a facet, a branch rule, option weights, a reversed item and a step.
`scored_session()` takes a respondent from start to a finished run with the real services.
"""

from __future__ import annotations

import copy
from typing import Any

import factory

from accounts import services as account_services
from assessments import services
from assessments.models import AssessmentSession, SubjectProfile, Survey
from questionnaires.importing import import_document
from questionnaires.models import QuestionnaireVersion
from tests.factories import UserFactory


class SubjectProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubjectProfile

    subject_type = SubjectProfile.SubjectType.HUMAN
    user = factory.SubFactory(UserFactory)
    owner = factory.SelfAttribute("user")
    display_name = factory.Sequence(lambda n: f"Subject {n}")


def _likert(prefix: str = "") -> list[dict[str, Any]]:
    labels = ["Very inaccurate", "Inaccurate", "Neither", "Accurate", "Very accurate"]
    return [
        {"key": str(value), "label": f"{prefix}{labels[value - 1]}", "value": value} for value in range(1, 6)
    ]


API_INSTRUMENT: dict[str, Any] = {
    "format": "personai.questionnaire/1",
    "analysis_model": {
        "slug": "api-check",
        "name": "API check",
        "description": "Two domains, one facet; for API tests.",
        "config": {"aggregation": "sum", "normalization": {"method": "minmax"}, "band_basis": "raw"},
        "dimensions": [
            {
                "slug": "extraversion",
                "name": "Extraversion",
                "parent": None,
                "sort_order": 1,
                "thresholds": [
                    {"key": "low", "label": "Low", "lower": None, "upper": 4},
                    {"key": "high", "label": "High", "lower": 4, "upper": None},
                ],
            },
            {
                "slug": "sociability",
                "name": "Sociability",
                "parent": "extraversion",
                "sort_order": 1,
                "thresholds": [{"key": "any", "label": "Any", "lower": None, "upper": None}],
            },
            {
                "slug": "calm",
                "name": "Calm",
                "parent": None,
                "sort_order": 2,
                "thresholds": [
                    {"key": "low", "label": "Low", "lower": None, "upper": 3},
                    {"key": "high", "label": "High", "lower": 3, "upper": None},
                ],
            },
        ],
        "composites": [
            {"slug": "primary", "name": "Primary", "kind": "argmax", "dimensions": ["extraversion", "calm"]},
            {
                "slug": "energy",
                "name": "Energy",
                "kind": "weighted_sum",
                "weights": {"extraversion": 1.0, "calm": -0.5},
            },
        ],
    },
    "questionnaire": {
        "slug": "api-check",
        "title": "API check",
        "description": "Seven questions.",
        "default_locale": "en",
        "translations": {"de": {"title": "API-Prüfung"}},
    },
    "version": {
        "version": 1,
        "instructions": "Describe yourself.",
        "sections": [{"key": "main", "title": "About you"}],
        "items": [
            {
                "key": "q1",
                "section": "main",
                "type": "boolean",
                "text": "I enjoy parties.",
                "mappings": [
                    {"dimension": "sociability", "rule": "boolean_gate", "params": {"true": 2, "false": 0}}
                ],
            },
            {
                "key": "q2",
                "section": "main",
                "type": "single_choice",
                "text": "I take charge.",
                "options": _likert(),
                "mappings": [
                    {"dimension": "extraversion", "rule": "range_linear", "params": {"multiplier": 1}}
                ],
            },
            {
                "key": "q3",
                "section": "main",
                "type": "single_choice",
                "text": "I worry a lot.",
                "options": _likert(),
                "mappings": [
                    {
                        "dimension": "calm",
                        "rule": "range_linear",
                        "params": {"multiplier": 1, "reverse": True},
                    }
                ],
            },
            {
                "key": "q4",
                "section": "main",
                "type": "multi_choice",
                "text": "Which do you enjoy?",
                "config": {"min_selected": 0, "max_selected": 3},
                "options": [
                    {"key": "read", "label": "Reading"},
                    {"key": "hike", "label": "Hiking"},
                    {"key": "party", "label": "Parties"},
                    {"key": "code", "label": "Coding"},
                ],
                "mappings": [
                    {
                        "dimension": "sociability",
                        "option": "party",
                        "rule": "option_weight",
                        "params": {"weight": 1},
                    },
                    {"dimension": "calm", "option": "read", "rule": "option_weight", "params": {"weight": 1}},
                ],
            },
            {
                "key": "q5",
                "section": "main",
                "type": "boolean",
                "text": "Do you host them too?",
                "mappings": [
                    {"dimension": "sociability", "rule": "boolean_gate", "params": {"true": 1, "false": 0}}
                ],
                "branch": [{"action": "show", "logic": {"==": [{"var": "q1"}, True]}}],
            },
            {
                "key": "q6",
                "section": "main",
                "type": "text",
                "text": "Anything else?",
                "required": False,
                "unscored": True,
                "config": {"max_length": 500},
            },
            {
                "key": "q7",
                "section": "main",
                "type": "scalar",
                "text": "How calm were you this week?",
                "config": {"min": 0, "max": 10, "step": 1},
                "mappings": [{"dimension": "calm", "rule": "range_linear", "params": {"multiplier": 0.5}}],
            },
        ],
    },
}

# Valid answers to every item of API_INSTRUMENT, in the API's wire format.
VALID_ANSWERS: dict[str, Any] = {
    "q1": True,
    "q2": "4",
    "q3": "2",
    "q4": ["party", "read"],
    "q5": True,
    "q6": "Nothing much.",
    "q7": 8,
}


def api_instrument_document(*, slug: str = "api-check", items: int | None = None) -> dict[str, Any]:
    """API_INSTRUMENT under another slug; `items` adds that many extra scored Likert items."""
    document = copy.deepcopy(API_INSTRUMENT)
    document["analysis_model"]["slug"] = slug
    document["questionnaire"]["slug"] = slug
    for number in range(items or 0):
        document["version"]["items"].append(
            {
                "key": f"x{number + 1}",
                "section": "main",
                "type": "single_choice",
                "text": f"Extra statement {number + 1}.",
                "options": _likert(),
                "mappings": [
                    {
                        "dimension": "calm" if number % 2 else "extraversion",
                        "rule": "range_linear",
                        "params": {"multiplier": 1, "reverse": number % 3 == 0},
                    }
                ],
            }
        )
    return document


def import_api_instrument(*, slug: str = "api-check", items: int | None = None) -> QuestionnaireVersion:
    """Import and publish the API instrument (idempotent for the same arguments)."""
    return import_document(api_instrument_document(slug=slug, items=items), publish=True).version


def valid_answers_for(version: QuestionnaireVersion) -> dict[str, Any]:
    """A valid wire answer for every item of any version (first option, lowest number …)."""
    answers: dict[str, Any] = {}
    for item in version.items.select_related("bank_item").prefetch_related("bank_item__options"):
        kind, config = item.bank_item.question_type, item.config
        options = [option.key for option in item.bank_item.options.all()]
        if kind == "boolean":
            answers[item.key] = True
        elif kind == "scalar":
            answers[item.key] = config.get("min", 0)
        elif kind == "single_choice":
            answers[item.key] = options[0]
        elif kind == "multi_choice":
            answers[item.key] = options[: max(1, config.get("min_selected") or 0)]
        else:
            answers[item.key] = "Some words."
    return answers


def self_session(
    user, version: QuestionnaireVersion, answers: dict[str, Any] | None = None
) -> AssessmentSession:
    """The user's self-assessment, started (and answered, when `answers` are given) via services."""
    session = services.session_start(
        subject=services.subject_get_or_create_for_user(user=user),
        version=version,
        respondent_kind=AssessmentSession.RespondentKind.SELF,
        respondent_user=user,
    )
    if answers:
        services.responses_save(session=session, answers=answers)
    return session


def score_now(session: AssessmentSession):
    """Submit and score synchronously (what the worker does); returns the run."""
    run = services.session_submit(session=session)
    services.run_score(run_id=run.pk)
    run.refresh_from_db()
    return run


def scored_session(
    user, version: QuestionnaireVersion, answers: dict[str, Any] | None = None
) -> AssessmentSession:
    session = self_session(user, version, answers or VALID_ANSWERS)
    score_now(session)
    session.refresh_from_db()
    return session


def survey_response(survey: Survey, answers: dict[str, Any], *, responder: str, score: bool = True):
    """One anonymous responder's answers to `survey`, submitted (and scored unless told not to)."""
    session = services.survey_session_for_responder(
        survey=survey, responder_id=responder, fingerprint=f"fp-{responder}"
    )
    services.responses_save(session=session, answers=answers)
    run = services.session_submit(session=session)
    if score:
        services.run_score(run_id=run.pk)
    return session


def api_key_header(user) -> dict[str, str]:
    """Request headers authenticating as `user` with a fresh API key."""
    _api_key, raw_key = account_services.api_key_create(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}


# --------------------------------------------------------------------------- page tests (taking pages)


def _page_likert(de: bool = False) -> list[dict[str, Any]]:
    labels = ["Very inaccurate", "Inaccurate", "Neither", "Accurate", "Very accurate"]
    german = ["Trifft gar nicht zu", "Trifft nicht zu", "Weder noch", "Trifft zu", "Trifft voll zu"]
    return [
        {
            "key": str(value),
            "label": labels[value - 1],
            "value": value,
            **({"translations": {"de": {"label": german[value - 1]}}} if de else {}),
        }
        for value in range(1, 6)
    ]


_BANDS = [
    {
        "key": "low",
        "label": "Low",
        "lower": None,
        "upper": 40,
        "narrative": "Rarely like this.",
        "translations": {"de": {"label": "Niedrig", "narrative": "Selten so."}},
    },
    {
        "key": "mid",
        "label": "Moderate",
        "lower": 40,
        "upper": 60,
        "upper_inclusive": True,
        "narrative": "Sometimes like this.",
        "translations": {"de": {"label": "Mittel", "narrative": "Manchmal so."}},
    },
    {
        "key": "high",
        "label": "High",
        "lower": 60,
        "upper": None,
        "lower_inclusive": False,
        "narrative": "Often like this.",
        "translations": {"de": {"label": "Hoch", "narrative": "Oft so."}},
    },
]

PAGE_INSTRUMENT: dict[str, Any] = {
    "format": "personai.questionnaire/1",
    "analysis_model": {
        "slug": "page-check",
        "name": "Page check",
        "description": "Two domains, one facet; for page tests.",
        "config": {"aggregation": "sum", "normalization": {"method": "minmax"}, "band_basis": "normalized"},
        "dimensions": [
            {
                "slug": "warmth",
                "name": "Warmth",
                "parent": None,
                "sort_order": 1,
                "description": "How you meet other people.",
                "thresholds": _BANDS,
                "translations": {"de": {"name": "Wärme"}},
            },
            {
                "slug": "cheer",
                "name": "Cheerfulness",
                "parent": "warmth",
                "sort_order": 1,
                "thresholds": _BANDS,
                "translations": {"de": {"name": "Frohsinn"}},
            },
            {
                "slug": "order",
                "name": "Orderliness",
                "parent": None,
                "sort_order": 2,
                "thresholds": _BANDS,
                "translations": {"de": {"name": "Ordnung"}},
            },
        ],
        "composites": [
            {"slug": "primary", "name": "Primary trait", "kind": "argmax", "dimensions": ["warmth", "order"]},
        ],
    },
    "questionnaire": {
        "slug": "page-check",
        "title": "Page check",
        "description": "A short questionnaire for page tests.",
        "default_locale": "en",
        "translations": {"de": {"title": "Seitenprüfung", "description": "Ein kurzer Fragebogen."}},
    },
    "version": {
        "version": 1,
        "instructions": "Describe yourself as you are now.",
        "translations": {"de": {"instructions": "Beschreiben Sie sich so, wie Sie jetzt sind."}},
        "sections": [
            {"key": "about", "title": "About you", "translations": {"de": {"title": "Über Sie"}}},
            {"key": "habits", "title": "Your habits", "translations": {"de": {"title": "Ihre Gewohnheiten"}}},
            {"key": "more", "title": "A few more", "translations": {"de": {"title": "Noch ein paar"}}},
        ],
        "items": [
            {
                "key": "likes-people",
                "section": "about",
                "type": "single_choice",
                "text": "I like meeting people.",
                "help_text": "Think of the last month.",
                "translations": {
                    "de": {
                        "text": "Ich lerne gern Menschen kennen.",
                        "help_text": "Denken Sie an den letzten Monat.",
                    }
                },
                "options": _page_likert(de=True),
                "mappings": [{"dimension": "cheer", "rule": "range_linear", "params": {"multiplier": 1}}],
            },
            {
                "key": "hosts",
                "section": "about",
                "type": "boolean",
                "text": "Do you host gatherings?",
                "translations": {"de": {"text": "Laden Sie gern Gäste ein?"}},
                "mappings": [
                    {"dimension": "warmth", "rule": "boolean_gate", "params": {"true": 2, "false": 0}}
                ],
            },
            {
                "key": "host-size",
                "section": "about",
                "type": "scalar",
                "text": "How many guests, usually?",
                "translations": {"de": {"text": "Wie viele Gäste, meistens?"}},
                "config": {"min": 0, "max": 10, "step": 1, "min_label": "None", "max_label": "Ten or more"},
                "mappings": [{"dimension": "warmth", "rule": "range_linear", "params": {"multiplier": 0.2}}],
                "branch": [{"action": "show", "logic": {"==": [{"var": "hosts"}, True]}}],
            },
            {
                "key": "tidy",
                "section": "habits",
                "type": "scalar",
                "text": "How tidy is your desk?",
                "translations": {
                    "de": {
                        "text": "Wie ordentlich ist Ihr Schreibtisch?",
                        "min_label": "Chaotisch",
                        "max_label": "Makellos",
                    }
                },
                "config": {"min": 0, "max": 10, "step": 1, "min_label": "Chaotic", "max_label": "Spotless"},
                "mappings": [{"dimension": "order", "rule": "range_linear", "params": {"multiplier": 0.3}}],
            },
            {
                "key": "hobbies",
                "section": "habits",
                "type": "multi_choice",
                "text": "Which of these do you enjoy?",
                "translations": {"de": {"text": "Was davon machen Sie gern?"}},
                "config": {"min_selected": 1, "max_selected": 2},
                "options": [
                    {"key": "read", "label": "Reading", "translations": {"de": {"label": "Lesen"}}},
                    {"key": "garden", "label": "Gardening", "translations": {"de": {"label": "Gärtnern"}}},
                    {"key": "party", "label": "Parties", "translations": {"de": {"label": "Feiern"}}},
                ],
                "mappings": [
                    {
                        "dimension": "cheer",
                        "option": "party",
                        "rule": "option_weight",
                        "params": {"weight": 2},
                    },
                    {
                        "dimension": "order",
                        "option": "garden",
                        "rule": "option_weight",
                        "params": {"weight": 1},
                    },
                ],
            },
            {
                "key": "notes",
                "section": "habits",
                "type": "text",
                "text": "Anything else?",
                "required": False,
                "unscored": True,
                "config": {"max_length": 200},
                "translations": {"de": {"text": "Sonst noch etwas?"}},
            },
        ],
    },
}

PAGE_ANSWERS: dict[str, Any] = {
    "likes-people": "4",
    "hosts": True,
    "host-size": 6,
    "tidy": 7,
    "hobbies": ["party", "read"],
    "notes": "Thanks.",
}


def page_instrument_document(*, slug: str = "page-check", extra: int = 0) -> dict[str, Any]:
    """PAGE_INSTRUMENT under another slug, with `extra` scored Likert items in section "more"."""
    document = copy.deepcopy(PAGE_INSTRUMENT)
    document["analysis_model"]["slug"] = slug
    document["questionnaire"]["slug"] = slug
    document["questionnaire"]["title"] = f"Page check {slug}" if slug != "page-check" else "Page check"
    for number in range(1, extra + 1):
        document["version"]["items"].append(
            {
                "key": f"m{number}",
                "section": "more",
                "type": "single_choice",
                "text": f"Statement number {number}.",
                "options": _page_likert(),
                "mappings": [
                    {
                        "dimension": "cheer" if number % 2 else "order",
                        "rule": "range_linear",
                        "params": {"multiplier": 1, "reverse": number % 3 == 0},
                    }
                ],
            }
        )
    if not extra:
        document["version"]["sections"] = document["version"]["sections"][:2]
    return document


def import_page_instrument(*, slug: str = "page-check", extra: int = 0) -> QuestionnaireVersion:
    """Import and publish the page-test instrument (idempotent for the same arguments)."""
    return import_document(page_instrument_document(slug=slug, extra=extra), publish=True).version
