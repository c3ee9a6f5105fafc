"""Builders for the persona tests: a mindscape in the contract layout, an active mapper, a
subject with a scored questionnaire, and a persona in any status."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.utils import timezone

from assessments import services as assessment_services
from personas.models import MapperConfig, Mindscape, Persona

TRAITS: dict[str, Any] = {
    "big_five": {
        "openness": {"score": 78, "raw": 95, "band": "high", "band_label": "High"},
        "conscientiousness": {"score": 55, "raw": 80, "band": "average", "band_label": "Average"},
        "extraversion": {"score": 32, "raw": 60, "band": "low", "band_label": "Low"},
        "agreeableness": {"score": 66, "raw": 88, "band": "high", "band_label": "High"},
        "neuroticism": {"score": 24, "raw": 50, "band": "low", "band_label": "Low"},
    },
    "disc": {
        "d": {"score": 30, "raw": 6, "band": "low", "band_label": "Low"},
        "i": {"score": 45, "raw": 9, "band": "average", "band_label": "Average"},
        "s": {"score": 50, "raw": 10, "band": "average", "band_label": "Average"},
        "c": {"score": 81, "raw": 16, "band": "high", "band_label": "High"},
        "primary_style": "c",
    },
    "questionnaires": {
        "ipip_neo_120": {"openness": {"score": 78, "raw": 95, "band": "high", "band_label": "High"}},
        "page_check": {"warmth": {"score": 62.5, "raw": 5, "band": "high", "band_label": "Often"}},
    },
    "others": {"ipip_neo_120": {"n": 4, "openness": {"score": 70.25}, "extraversion": {"score": 41}}},
    "work": {"chronotype": "morning", "focus_patterns": {"deep_work_duration": 90, "peak_hours": [9, 10]}},
}

CONFIGURATION: dict[str, Any] = {
    "metadata": {"id": "persona-guidance", "name": "Test guidance"},
    "rules": [
        {
            "id": "open-voice",
            "conditions": {
                "all": [
                    {
                        "type": "trait_check",
                        "trait": "big_five.openness.score",
                        "operator": "gte",
                        "value": 60,
                    }
                ]
            },
            "actions": [
                {
                    "type": "template",
                    "category": "voice",
                    "priority": "high",
                    "template": "Curious, full of ideas",
                },
                {
                    "type": "template",
                    "category": "values",
                    "priority": "medium",
                    "template": "Learning and novelty",
                },
            ],
        },
        {
            "id": "quiet-energy",
            "conditions": {
                "all": [
                    {
                        "type": "trait_check",
                        "trait": "big_five.extraversion.score",
                        "operator": "lt",
                        "value": 40,
                    }
                ]
            },
            "actions": [
                {
                    "type": "suggestion",
                    "category": "energises",
                    "priority": "medium",
                    "template": "Quiet focus time",
                },
                {
                    "type": "suggestion",
                    "category": "drains",
                    "priority": "low",
                    "template": "Back-to-back meetings",
                },
            ],
        },
        {
            "id": "never-fires",
            "conditions": {
                "all": [
                    {
                        "type": "trait_check",
                        "trait": "big_five.neuroticism.score",
                        "operator": "gt",
                        "value": 90,
                    }
                ]
            },
            "actions": [
                {"type": "template", "category": "drains", "priority": "high", "template": "Everything"}
            ],
        },
    ],
}


def traits(**overrides) -> dict[str, Any]:
    tree = copy.deepcopy(TRAITS)
    tree.update(overrides)
    return tree


def make_mindscape(subject, tree: dict[str, Any] | None = None) -> Mindscape:
    mindscape, _ = Mindscape.objects.update_or_create(
        subject=subject, defaults={"traits": copy.deepcopy(TRAITS) if tree is None else tree}
    )
    return mindscape


def make_mapper(
    *, config_id: str = "persona-guidance", version: int = 1, ttl_hours: int = 24
) -> MapperConfig:
    return MapperConfig.objects.create(
        config_id=config_id,
        version=version,
        configuration=copy.deepcopy(CONFIGURATION),
        status=MapperConfig.Status.ACTIVE,
        persona_ttl_hours=ttl_hours,
    )


def subject_with_mindscape(user, tree: dict[str, Any] | None = None):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    make_mindscape(subject, tree)
    return subject


def make_persona(subject, *, status: str = Persona.Status.READY, expired: bool = False, **fields) -> Persona:
    now = timezone.now()
    defaults = {
        "name": subject.display_name,
        "description": "A test persona.",
        "persona_prompt": "You are a test persona.",
        "core": {"name": subject.display_name, "traits": [], "voice": [{"text": "Calm", "rule_id": "r1"}]},
        "overlay": {"context": {"recent": []}, "work": {}},
        "metadata": {
            "prose": "template",
            "rules": [{"rule_id": "r1", "reasons": ["because"], "priority": "high"}],
        },
        "illustration_svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>',
        "expires_at": now - timedelta(hours=1) if expired else now + timedelta(hours=24),
    }
    if status == Persona.Status.FAILED:
        defaults["error"] = "The language model is unavailable: test."
    defaults.update(fields)
    persona = Persona.objects.create(subject=subject, status=status, **defaults)
    persona.illustration_url = f"/personas/{persona.pk}/illustration.svg"
    persona.save(update_fields=["illustration_url"])
    return persona
