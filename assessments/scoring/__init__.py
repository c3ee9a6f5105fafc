"""The scoring engine: pure Python, dataclasses in, dataclasses out (no ORM, no database).

Semantics follow docs/questionnaire-format.md. The questionnaire service builds an `Instrument`
and `Answer`s from the database, calls `score()` and stores the `ScoreResult`.

    result = score(instrument, {"q1": Answer(option="4")}, as_of=session.submitted_at)
    result.to_json()  # canonical, byte-identical for identical inputs
"""

from assessments.scoring.answers import is_answered, validate_answer
from assessments.scoring.branching import visible_items
from assessments.scoring.definition import check_instrument, score_version
from assessments.scoring.engine import band_for, ordered_dimensions, score
from assessments.scoring.fileformat import answers_from_dict, instrument_from_format
from assessments.scoring.model import (
    ENGINE_VERSION,
    Answer,
    BranchRule,
    Component,
    Composite,
    CompositeScore,
    DefinitionError,
    Dimension,
    DimensionScore,
    Instrument,
    InvalidAnswerError,
    Item,
    Mapping,
    ModelDefinition,
    Option,
    ScoreResult,
    Threshold,
)
from assessments.scoring.rules import possible_range

__all__ = [
    "ENGINE_VERSION",
    "Answer",
    "BranchRule",
    "Component",
    "Composite",
    "CompositeScore",
    "DefinitionError",
    "Dimension",
    "DimensionScore",
    "Instrument",
    "InvalidAnswerError",
    "Item",
    "Mapping",
    "ModelDefinition",
    "Option",
    "ScoreResult",
    "Threshold",
    "answers_from_dict",
    "band_for",
    "check_instrument",
    "instrument_from_format",
    "is_answered",
    "ordered_dimensions",
    "possible_range",
    "score",
    "score_version",
    "validate_answer",
    "visible_items",
]
