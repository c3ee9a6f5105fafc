"""The default mapper `persona-guidance`: shipped as JSON, loaded idempotently, and useful."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from personas import rules
from personas.builtin import BUILTIN_DIR, load_builtin_mappers
from personas.mapper_schema import validate_configuration
from personas.models import MapperConfig
from personas.selectors.mappers import DEFAULT_MAPPER_CONFIG_ID, mapper_active

DOMAINS = ["openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"]
SHIPPED = json.loads((BUILTIN_DIR / "persona-guidance.json").read_text(encoding="utf-8"))


def big_five(**scores: float) -> dict:
    return {"big_five": {domain: {"score": score} for domain, score in scores.items()}}


def fired(traits: dict) -> set[str]:
    return {outcome.rule_id for outcome in rules.evaluate(SHIPPED["configuration"], traits).fired}


def test_the_shipped_file_is_a_valid_configuration_with_enough_rules():
    assert SHIPPED["config_id"] == DEFAULT_MAPPER_CONFIG_ID
    assert SHIPPED["persona_ttl_hours"] == 24
    assert validate_configuration(SHIPPED["configuration"]) == {}
    ids = [rule["id"] for rule in SHIPPED["configuration"]["rules"]]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)


def test_it_covers_every_guidance_category():
    categories = {
        action["category"] for rule in SHIPPED["configuration"]["rules"] for action in rule["actions"]
    }
    assert {"voice", "values", "working_style", "energises", "drains", "communication"} <= categories


@pytest.mark.parametrize("domain", DOMAINS)
def test_high_and_low_of_each_big_five_domain_fire_their_rule(domain):
    assert f"{domain}-high" in fired(big_five(**{domain: 60}))
    assert f"{domain}-high" not in fired(big_five(**{domain: 59.9}))
    assert f"{domain}-low" in fired(big_five(**{domain: 40}))
    assert f"{domain}-low" not in fired(big_five(**{domain: 40.1}))


@pytest.mark.parametrize(
    ("style", "rule_id"),
    [
        ("d", "disc-dominance"),
        ("i", "disc-influence"),
        ("s", "disc-steadiness"),
        ("c", "disc-conscientiousness"),
    ],
)
def test_each_disc_primary_style_fires_its_rule(style, rule_id):
    result = fired({"disc": {"primary_style": style}})
    assert rule_id in result
    assert (
        not ({"disc-dominance", "disc-influence", "disc-steadiness", "disc-conscientiousness"} - {rule_id})
        & result
    )


@pytest.mark.parametrize(
    ("chronotype", "rule_id"),
    [("morning", "chronotype-morning"), ("afternoon", "chronotype-afternoon"), ("night", "chronotype-late")],
)
def test_chronotype_rules(chronotype, rule_id):
    assert rule_id in fired({"work": {"chronotype": chronotype}})


def test_an_empty_mindscape_gets_the_neutral_rule_only():
    assert fired({}) == {"no-scores-yet"}


def test_high_openness_low_extraversion_fires_the_expected_rules():
    traits = big_five(openness=78.4, extraversion=22, conscientiousness=50, agreeableness=55, neuroticism=45)
    evaluation = rules.evaluate(SHIPPED["configuration"], traits)
    result = {outcome.rule_id for outcome in evaluation.fired}

    assert {"openness-high", "extraversion-low", "quiet-thinker"} <= result
    assert not {"extraversion-high", "openness-low", "no-scores-yet", "connector"} & result
    voice = [action["text"] for action in evaluation.actions_by_category()["voice"]]
    assert any(text.startswith("Speaks in measured, considered sentences") for text in voice)
    assert any(text.startswith("Reaches for ideas") for text in voice)
    reasons = next(o for o in evaluation.outcomes if o.rule_id == "openness-high").reasons
    assert reasons == ["big_five.openness.score = 78.4 ≥ 60 ✓"]


def test_load_builtin_data_loads_and_activates_it_once(db):
    call_command("load_builtin_data")
    call_command("load_builtin_data")
    call_command("load_mapper_configs")

    versions = MapperConfig.objects.filter(config_id=DEFAULT_MAPPER_CONFIG_ID)
    assert versions.count() == 1
    active = mapper_active()
    assert active is not None and active.version == 1
    assert active.persona_ttl_hours == 24
    assert active.configuration == SHIPPED["configuration"]
    assert active.metadata["builtin_file"] == "persona-guidance.json"


def test_a_changed_file_becomes_a_new_active_version(db, tmp_path: Path):
    shutil.copy(BUILTIN_DIR / "persona-guidance.json", tmp_path / "persona-guidance.json")
    [first] = load_builtin_mappers(tmp_path)
    assert first.created and first.version == 1

    changed = json.loads((tmp_path / "persona-guidance.json").read_text())
    changed["configuration"]["rules"][0]["actions"][0]["template"] = "Changed wording"
    (tmp_path / "persona-guidance.json").write_text(json.dumps(changed))
    [second] = load_builtin_mappers(tmp_path)
    [third] = load_builtin_mappers(tmp_path)

    assert second.created and second.version == 2
    assert not third.created and third.version == 2
    statuses = dict(
        MapperConfig.objects.filter(config_id="persona-guidance").values_list("version", "status")
    )
    assert statuses == {1: "deprecated", 2: "active"}


def test_a_staff_activated_version_survives_an_unchanged_reload(db):
    from personas.services import mappers as services

    [loaded] = load_builtin_mappers()
    staff_version = services.mapper_create(
        config_id="persona-guidance", configuration=SHIPPED["configuration"], created_by=None
    )
    services.mapper_activate(mapper=staff_version)

    [again] = load_builtin_mappers()

    assert not again.created
    assert mapper_active().pk == staff_version.pk


@pytest.mark.django_db(transaction=True)
def test_two_loaders_at_once_add_one_version():
    import threading

    from django.db import connection

    barrier = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            barrier.wait()
            load_builtin_mappers()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert list(MapperConfig.objects.values_list("version", "status")) == [(1, "active")]
