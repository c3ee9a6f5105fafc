"""Golden cases of the erDiagram parser (pure, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat import erd

GOLDEN = Path(__file__).parent / "golden"

VALID = """\
erDiagram
    %% the shop
    CUSTOMER {
        string id PK "customer number"
        string email UK
        varchar(255) name
    }
    ORDER {
        int id PK
        int customer_id FK
        int account_id PK, FK
        string[] tags
    }
    CUSTOMER ||--o{ ORDER : places
    ORDER }|..|{ LINE-ITEM : "is part of"
    DELIVERY_ADDRESS
"""


def test_a_valid_diagram_is_read_completely():
    result = erd.parse(VALID)

    assert result.ok, result.problems
    diagram = result.diagram
    assert [e.name for e in diagram.entities] == ["CUSTOMER", "ORDER", "LINE-ITEM", "DELIVERY_ADDRESS"]
    customer = diagram.entity("CUSTOMER")
    assert customer.attributes == [
        erd.Attribute("string", "id", ("PK",), "customer number"),
        erd.Attribute("string", "email", ("UK",), ""),
        erd.Attribute("varchar(255)", "name", (), ""),
    ]
    assert diagram.entity("ORDER").attributes[2] == erd.Attribute("int", "account_id", ("PK", "FK"), "")
    assert diagram.entity("ORDER").attributes[3].type == "string[]"
    assert diagram.relationships == [
        erd.Relationship("CUSTOMER", "||", "ORDER", "o{", "places", identifying=True),
        erd.Relationship("ORDER", "}|", "LINE-ITEM", "|{", "is part of", identifying=False),
    ]
    assert diagram.relationships[0].left_text == "exactly one"
    assert diagram.relationships[0].right_text == "zero or more"


def test_writing_and_reading_back_gives_the_same_diagram():
    diagram = erd.parse(VALID).diagram

    again = erd.parse(erd.to_mermaid(diagram))

    assert again.ok, again.problems
    assert again.diagram.to_dict() == diagram.to_dict()


def test_the_seed_001_diagram_is_rejected_for_its_unique_keys():
    result = erd.parse((GOLDEN / "seed_001_erd.mmd").read_text())

    assert [str(p) for p in result.problems] == [
        "line 4: “UNIQUE” is not a key; use PK, FK or UK (comma-separated).",
        "line 5: “UNIQUE” is not a key; use PK, FK or UK (comma-separated).",
    ]
    # Everything else was read: four tables, four relationships.
    assert [e.name for e in result.diagram.entities] == [
        "users",
        "conversations",
        "artifacts",
        "search_queries",
    ]
    assert len(result.diagram.relationships) == 4
    assert result.diagram.relationships[3].label == "results_in"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", ["The diagram is empty."]),
        ("graph TD\n  A --> B\n", ["line 1: The diagram must start with “erDiagram” (found “graph TD”)."]),
        ("erDiagram\n", ["The diagram has no entities."]),
        (
            "erDiagram\n  A {\n    string id PK\n",
            ["line 2: The attribute block of A is never closed with “}”."],
        ),
        (
            "erDiagram\n  A ||--x{ B : has\n",
            ["line 2: “x{” is not a right cardinality (use one of o| || o{ |{)."],
        ),
        (
            "erDiagram\n  A o{--|| B : has\n",
            ["line 2: “o{” is not a left cardinality (use one of |o || }o }|)."],
        ),
        (
            "erDiagram\n  A ||--o{ B : has many\n",
            ["line 2: The label “has many” has spaces or symbols; put it in double quotes."],
        ),
        (
            "erDiagram\n  A ||--o{ B\n",
            ["line 2: A relationship needs a label after “:” (a word or a quoted text)."],
        ),
        (
            "erDiagram\n  A {\n    string\n    int id pk\n    int id\n    int id\n  }\n",
            [
                'line 3: “string” is not an attribute (write: type name [PK|FK|UK] ["comment"]).',
                "line 4: Write the key “pk” in capitals (PK).",
                "line 5: A has the attribute “id” twice.",
                "line 6: A has the attribute “id” twice.",
            ],
        ),
        (
            "erDiagram\n  A -> B\n  <script>\n",
            [
                "line 2: Cannot read “A -> B”: not an entity, attribute or relationship.",
                "line 3: Cannot read “<script>”: not an entity, attribute or relationship.",
            ],
        ),
    ],
)
def test_broken_diagrams_are_reported_line_by_line(text, problems):
    result = erd.parse(text)

    assert not result.ok
    assert [str(p) for p in result.problems] == problems


def test_the_diagram_is_found_inside_an_llm_answer():
    answer = "Sure! Here it is:\n```mermaid\nerDiagram\n  A ||--o{ B : has\n```\nHope it helps."

    block = erd.extract_block(answer)

    assert block == "erDiagram\n  A ||--o{ B : has\n"
    assert erd.parse(block).ok


def test_safe_names_are_accepted_by_the_parser():
    assert erd.safe_name("Line item (draft)") == "Line_item_draft"
    assert erd.safe_name("42 things") == "_42_things"
    assert erd.safe_name("!!!") == "ENTITY"
    assert erd.is_valid_name(erd.safe_name("Ünïcode name"))
