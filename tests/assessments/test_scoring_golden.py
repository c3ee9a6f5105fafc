"""Golden fixtures: each tests/assessments/golden/*.json holds an instrument (in the questionnaire
file format), answers, and hand-computed expectations (the fixture's description shows the sums).

Expectations are partial on purpose: only the fields a fixture lists are compared. Numbers are
compared after the engine's own 6-decimal rounding (`ScoreResult.to_dict()`).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from assessments.scoring import ENGINE_VERSION, answers_from_dict, instrument_from_format, score

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = sorted(GOLDEN.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def run(fixture: dict[str, Any]):
    instrument = instrument_from_format(fixture)
    answers = answers_from_dict(fixture["answers"], instrument)
    return score(instrument, answers, as_of=datetime.fromisoformat(fixture["as_of"]))


def assert_matches(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, float) or (isinstance(expected, int) and not isinstance(expected, bool)):
        assert actual == pytest.approx(expected, abs=1e-6), where
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            assert_matches(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_matches(a, e, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_there_are_golden_fixtures():
    assert len(FIXTURES) >= 10


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_golden_fixture_scores_as_computed_by_hand(path: Path):
    fixture = load(path)
    expected = fixture["expected"]
    result = run(fixture).to_dict()

    dimensions = {d["dimension"]: d for d in result["dimensions"]}
    for slug, fields in expected.get("dimensions", {}).items():
        assert slug in dimensions, f"dimension {slug} missing"
        assert_matches(dimensions[slug], fields, f"dimensions.{slug}")
    if "dimension_order" in expected:
        assert [d["dimension"] for d in result["dimensions"]] == expected["dimension_order"]

    composites = {c["composite"]: c for c in result["composites"]}
    for slug, fields in expected.get("composites", {}).items():
        assert_matches(composites[slug], fields, f"composites.{slug}")
    if "composite_order" in expected:
        assert [c["composite"] for c in result["composites"]] == expected["composite_order"]

    for key in ("components", "skipped", "unanswered", "unanswered_required"):
        if key in expected:
            assert_matches(result[key], expected[key], key)

    assert result["score_version"].startswith(f"{ENGINE_VERSION}:")


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_golden_fixture_serialises_identically_twice(path: Path):
    fixture = load(path)
    assert run(fixture).to_json() == run(load(path)).to_json()
