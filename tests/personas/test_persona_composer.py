"""The persona's facts are composed deterministically from the mindscape and fired rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from personas import composer, rules
from tests.personas.persona_factories import CONFIGURATION, traits

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def fired(tree):
    return [
        composer.FiredRule(o.rule_id, list(o.actions), list(o.reasons), o.priority)
        for o in rules.evaluate(CONFIGURATION, tree).fired
    ]


def compose(tree=None, **kwargs):
    tree = traits() if tree is None else tree
    return composer.compose(
        name="Dana",
        traits=tree,
        fired=kwargs.pop("fired", None) or [],
        generated_at=NOW,
        expires_at=NOW + timedelta(hours=24),
        **kwargs,
    )


def test_core_lists_stable_traits_with_score_and_band_per_domain():
    facts = compose()

    by_path = {trait["path"]: trait for trait in facts.core["traits"]}
    assert by_path["big_five.openness"] == {
        "path": "big_five.openness",
        "group": "Big Five",
        "label": "Openness",
        "score": 78,
        "band": "high",
        "band_label": "High",
        "level": "high",
    }
    assert by_path["disc.c"]["label"] == "Conscientiousness"
    assert facts.core["primary_style"] == "c"
    # Questionnaires folded into big_five/disc are not listed twice; others are.
    assert "questionnaires.ipip_neo_120.openness" not in by_path
    assert by_path["questionnaires.page_check.warmth"]["score"] == 62.5


def test_guidance_comes_from_fired_rules_by_category():
    tree = traits()
    facts = compose(tree, fired=fired(tree))

    assert [item["text"] for item in facts.core["voice"]] == ["Curious, full of ideas"]
    assert facts.core["values"][0] == {
        "text": "Learning and novelty",
        "rule_id": "open-voice",
        "priority": "medium",
    }
    assert [item["text"] for item in facts.core["energises"]] == ["Quiet focus time"]
    assert [item["text"] for item in facts.core["drains"]] == ["Back-to-back meetings"]
    assert facts.core["communication"] == []


def test_guidance_puts_high_priority_first_and_drops_repeats():
    rules_fired = [
        composer.FiredRule("a", [{"category": "voice", "text": "Plain", "priority": "low"}]),
        composer.FiredRule("b", [{"category": "voice", "text": "Warm", "priority": "high"}]),
        composer.FiredRule("c", [{"category": "voice", "text": "warm", "priority": "medium"}]),
        composer.FiredRule("d", [{"category": "nonsense", "text": "Elsewhere", "priority": "medium"}]),
    ]
    grouped = composer.guidance(rules_fired)

    assert [item["text"] for item in grouped["voice"]] == ["Warm", "Plain"]
    assert [item["text"] for item in grouped["other"]] == ["Elsewhere"]


def test_others_view_has_aggregates_only():
    facts = compose()

    assert facts.core["others_view"] == [
        {
            "questionnaire": "ipip_neo_120",
            "label": "Ipip neo 120",
            "n": 4,
            "dimensions": [
                {"dimension": "extraversion", "label": "Extraversion", "score": 41},
                {"dimension": "openness", "label": "Openness", "score": 70.2},
            ],
        }
    ]


def test_overlay_summarises_recent_observations_and_work_patterns():
    observations = [
        composer.ObservationFact(
            "work_session", NOW - timedelta(hours=2), {"task": "Write the report", "minutes": 90}
        ),
        composer.ObservationFact("user_input", NOW - timedelta(hours=1), {"text": "Feeling  focused today"}),
        composer.ObservationFact("work_session", NOW - timedelta(days=1), {"minutes": 30}),
    ]
    facts = compose(observations=observations)

    overlay = facts.overlay
    assert overlay["context"]["observation_counts"] == {"user_input": 1, "work_session": 2}
    assert [item["summary"] for item in overlay["context"]["recent"]] == [
        "Feeling focused today",
        "Write the report",
        "minutes: 30",
    ]
    assert overlay["work"]["chronotype"] == "morning"
    assert overlay["generated_at"] == "2026-05-04T09:30:00+00:00"
    assert overlay["expires_at"] == "2026-05-05T09:30:00+00:00"


def test_prompt_speaks_in_first_person_and_stays_grounded():
    tree = traits()
    narratives = [composer.NarrativeFact("n1", "I do my best thinking on long walks.", 0.81)]
    facts = compose(tree, fired=fired(tree), narratives=narratives)

    prompt = facts.persona_prompt
    assert prompt.startswith("You are Dana. Speak in the first person")
    assert "say that you don't know" in prompt
    assert "- Big Five · Openness: 78 (high, High)" in prompt
    assert "Your voice:\n- Curious, full of ideas." in prompt
    assert "What energises you:\n- Quiet focus time." in prompt
    assert "How others see you (Ipip neo 120, average of 4 people): Extraversion 41, Openness 70.2." in prompt
    assert '- "I do my best thinking on long walks."' in prompt
    assert "You are most productive in the morning." in prompt
    assert facts.core["narratives"] == [
        {"id": "n1", "text": "I do my best thinking on long walks.", "relevance": 0.81}
    ]


def test_composition_is_deterministic():
    tree = traits()
    first = compose(tree, fired=fired(tree))
    second = compose(traits(), fired=fired(traits()))

    assert first == second
    assert repr(first.core) == repr(second.core)  # key order too


def test_template_prose_is_short_and_in_the_right_person():
    tree = traits()
    facts = compose(tree, fired=fired(tree))

    sentences = [s for s in facts.description.split(". ") if s]
    assert 2 <= len(sentences) <= 4
    assert facts.description.startswith("Dana comes across as curious and imaginative")
    assert "Conscientiousness: precise and analytical" in facts.description
    assert facts.voice_sample.startswith("I'm Dana")
    assert facts.voice_sample.count(".") == 1


def test_a_mindscape_without_big_five_still_composes():
    tree = {
        "questionnaires": {"page_check": {"warmth": {"score": 70, "band": "high", "band_label": "Often"}}}
    }
    facts = compose(tree)

    assert composer.has_scores(tree)
    assert facts.core["primary_style"] is None
    assert "Dana scores high on warmth." in facts.description
    assert not composer.has_scores({"work": {"chronotype": "night"}})
    assert not composer.has_scores({})


def test_search_query_names_the_strongest_traits_and_guidance():
    tree = traits()
    query = composer.search_query(tree, fired(tree))

    assert query.startswith("high conscientiousness; high openness; low neuroticism")  # DISC C = 81
    assert "conscientiousness style, precise and analytical" in query
    assert "Learning and novelty" in query


def test_prose_request_asks_for_json_with_the_facts():
    facts = compose()
    messages = composer.prose_request(facts)

    assert messages[0]["role"] == "system"
    assert '{"description": "...", "voice_sample": "..."}' in messages[0]["content"]
    assert "Name: Dana" in messages[1]["content"]
    assert "Trait: Openness 78/100 (high)" in messages[1]["content"]
