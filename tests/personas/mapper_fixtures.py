"""Builders for the mapper and staff-feedback tests (imported by tests/personas/test_mapper*.py and
test_feedback_staff*.py)."""

from __future__ import annotations

import copy
from typing import Any

from assessments.services import subject_get_or_create_for_user
from personas.models import Feedback, MapperConfig, Mindscape, Persona
from personas.services import mappers as services

CONFIGURATION: dict[str, Any] = {
    "metadata": {"name": "Test mapper"},
    "rules": [
        {
            "id": "open-mind",
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
                    "template": "Curious ({big_five.openness.score}/100)",
                }
            ],
        },
        {
            "id": "quiet",
            "conditions": {
                "all": [
                    {
                        "type": "trait_check",
                        "trait": "big_five.extraversion.score",
                        "operator": "lte",
                        "value": 40,
                    }
                ]
            },
            "actions": [{"type": "suggestion", "category": "energises", "template": "Quiet time"}],
        },
    ],
}

TRAITS: dict[str, Any] = {
    "big_five": {
        "openness": {"score": 78.4, "band": "high"},
        "extraversion": {"score": 22.0, "band": "low"},
        "conscientiousness": {"score": 50.0},
        "agreeableness": {"score": 55.0},
        "neuroticism": {"score": 45.0},
    },
    "disc": {"primary_style": "c", "c": {"score": 74.0}, "d": {"score": 30.0}},
    "work": {"chronotype": "morning"},
}


def configuration(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(CONFIGURATION)
    config.update(changes)
    return config


def mapper(
    config_id: str = "test-mapper", *, active: bool = False, created_by=None, **kwargs
) -> MapperConfig:
    created = services.mapper_create(
        config_id=config_id,
        configuration=kwargs.pop("configuration", configuration()),
        created_by=created_by,
        **kwargs,
    )
    return services.mapper_activate(mapper=created) if active else created


def subject_with_mindscape(user, traits: dict[str, Any] | None = None):
    subject = subject_get_or_create_for_user(user=user)
    Mindscape.objects.update_or_create(subject=subject, defaults={"traits": copy.deepcopy(traits or TRAITS)})
    return subject


def persona_for(subject, mapper: MapperConfig | None, **kwargs) -> Persona:
    return Persona.objects.create(
        subject=subject,
        mapper=mapper,
        mapper_config_id=mapper.config_id if mapper else kwargs.pop("mapper_config_id", ""),
        mapper_version=mapper.version if mapper else kwargs.pop("mapper_version", None),
        status=Persona.Status.READY,
        name=kwargs.pop("name", "Test persona"),
        **kwargs,
    )


def feedback_on(persona: Persona, **kwargs) -> Feedback:
    kwargs.setdefault("mapper_version", persona.mapper_version)
    return Feedback.objects.create(persona=persona, **kwargs)
