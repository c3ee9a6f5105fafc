"""Golden cases of the mapper rule engine: tests/personas/golden/*.json hold a configuration, a
traits tree and the expected outcomes (order, fired, priority, reasons, rendered actions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personas.mapper_schema import validate_configuration
from personas.rules import evaluate

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))


def test_there_are_golden_cases():
    assert len(GOLDEN) >= 4


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_golden_case(path: Path):
    case = json.loads(path.read_text(encoding="utf-8"))
    assert validate_configuration(case["configuration"]) == {}, "a golden configuration must be valid"

    evaluation = evaluate(case["configuration"], case["traits"])

    got = [
        {
            "rule_id": outcome.rule_id,
            "fired": outcome.fired,
            "priority": outcome.priority,
            "reasons": outcome.reasons,
            "actions": outcome.actions,
        }
        for outcome in evaluation.outcomes
    ]
    assert got == case["expected"]


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_golden_case_is_deterministic_and_leaves_its_input_alone(path: Path):
    case = json.loads(path.read_text(encoding="utf-8"))
    before = json.dumps(case, sort_keys=True)
    first = evaluate(case["configuration"], case["traits"]).as_dict()
    second = evaluate(case["configuration"], case["traits"]).as_dict()
    assert first == second
    assert json.dumps(case, sort_keys=True) == before
