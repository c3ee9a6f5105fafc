"""Prompts and strict reply parsing (pure: no database, no network)."""

from __future__ import annotations

from assessments.benchmarks import prompting, stats
from assessments.benchmarks.prompting import PromptItem, PromptOption, parse_reply

LIKERT = PromptItem(
    key="q1",
    type="single_choice",
    text="I am the life of the party.",
    options=tuple(
        PromptOption(key, label)
        for key, label in [
            ("5", "Very Accurate"),
            ("1", "Very Inaccurate"),
            ("4", "Moderately Accurate"),
            ("2", "Moderately Inaccurate"),
            ("3", "Neither Accurate Nor Inaccurate"),
        ]
    ),
)


def test_the_prompt_numbers_the_options_in_the_shown_order():
    messages = prompting.build_messages(
        LIKERT, system_prompt="You are calm.", instructions="Describe yourself."
    )
    assert messages[0]["role"] == "system" and messages[0]["content"].startswith("You are calm.")
    user = messages[1]["content"]
    assert "1. Very Accurate" in user and "3. Moderately Accurate" in user
    assert "number of exactly one option" in user


def test_it_accepts_the_number_the_number_and_label_the_label_and_json():
    assert parse_reply(LIKERT, "3").value == "4"
    assert parse_reply(LIKERT, " 3. ").value == "4"
    assert parse_reply(LIKERT, "3 - Moderately Accurate").value == "4"
    assert parse_reply(LIKERT, "moderately accurate.").value == "4"
    assert parse_reply(LIKERT, '{"answer": 3}').value == "4"
    assert parse_reply(LIKERT, '{"answer": "Moderately Accurate"}').value == "4"
    assert parse_reply(LIKERT, '```json\n{"answer": 1}\n```').value == "5"


def test_it_rejects_garbage_and_never_guesses():
    for reply in [
        "",
        "banana",
        "6",
        "0",
        "3 - Very Accurate",
        "I think 3",
        '{"answer": 3, "why": "x"}',
        "true",
    ]:
        assert not parse_reply(LIKERT, reply).ok, reply


def test_booleans_multi_choice_scalars_and_text():
    yes_no = PromptItem(
        key="b", type="boolean", text="?", options=(PromptOption("false", "No"), PromptOption("true", "Yes"))
    )
    assert parse_reply(yes_no, "2").value == "true"
    assert parse_reply(yes_no, "no").value == "false"
    multi = PromptItem(
        key="m",
        type="multi_choice",
        text="?",
        options=tuple(PromptOption(k, k.title()) for k in "abcd"),
        max_selected=2,
    )
    assert parse_reply(multi, "1, 3").value == ["a", "c"]
    assert parse_reply(multi, "[2]").value == ["b"]
    assert parse_reply(multi, "none").value == []
    assert not parse_reply(multi, "1,2,3").ok
    assert not parse_reply(multi, "1,1").ok
    scalar = PromptItem(key="s", type="scalar", text="?", minimum=0, maximum=10, step=1)
    assert parse_reply(scalar, "7").value == 7
    assert parse_reply(scalar, '{"answer": 2.5}').value == 2.5
    assert not parse_reply(scalar, "11").ok
    assert not parse_reply(scalar, "about 7").ok
    text = PromptItem(key="t", type="text", text="?", max_length=5)
    assert parse_reply(text, "Hi.").value == "Hi."
    assert not parse_reply(text, "far too long").ok


def test_shuffle_plans_are_reproducible_and_differ_between_runs():
    items = ["a", "b", "c", "d", "e"]
    options = {key: ["1", "2", "3", "4", "5"] for key in items}
    first = prompting.shuffle_plan(prompting.run_seed(42, 0), items, options)
    assert first == prompting.shuffle_plan(prompting.run_seed(42, 0), items, options)
    assert first != prompting.shuffle_plan(prompting.run_seed(42, 1), items, options)
    assert sorted(first[0]) == items


def test_batch_statistics_equal_a_hand_computation():
    result = stats.describe([2.0, 4.0, 4.0, 5.0])
    assert result["n"] == 4
    assert result["mean"] == 3.75
    assert result["median"] == 4.0
    assert abs(result["sd"] - (((1.75**2) + 0.25**2 * 2 + 1.25**2) / 3) ** 0.5) < 1e-12
    low, high = result["ci95"]
    assert abs((high - low) / 2 - 3.182446 * result["sd"] / 2) < 1e-5  # t(0.975, df=3)
    assert stats.describe([1.0])["sd"] is None


def test_percentile_rank_counts_ties_half():
    cohort = [1.0, 2.0, 3.0, 4.0]
    assert stats.percentile_rank(cohort, 3.5) == 75.0
    assert stats.percentile_rank(cohort, 3.0) == 62.5
    assert stats.percentile_rank([], 1.0) is None


FIVE_OPTIONS = tuple(
    prompting.PromptOption(key=str(n), label=label)
    for n, label in enumerate(
        ["Very Inaccurate", "Moderately Inaccurate", "Neither", "Moderately Accurate", "Very Accurate"],
        start=1,
    )
)


def _batch():
    return [
        prompting.PromptItem(key="a", type="single_choice", text="I worry.", options=FIVE_OPTIONS),
        prompting.PromptItem(key="b", type="single_choice", text="I lead.", options=FIVE_OPTIONS),
        prompting.PromptItem(key="c", type="scalar", text="How calm?", minimum=0, maximum=10),
    ]


def test_a_batch_prompt_numbers_its_statements_and_asks_for_one_line_each():
    messages = prompting.build_batch_messages(_batch(), system_prompt="You are Ada.")
    assert messages[0]["content"].startswith("You are Ada.")
    user = messages[1]["content"]
    assert "Statement 1: I worry." in user and "Statement 3: How calm?" in user
    assert "exactly 3 lines" in user


def test_batch_replies_are_parsed_per_statement_strictly():
    parsed = prompting.parse_batch_reply(_batch(), "Sure.\n1: 4\n2: Very Accurate\n3: lots")
    assert parsed[1].value == "4" and parsed[2].value == "5"
    assert not parsed[3].ok  # "lots" is not a number: only this statement is refused
    missing = prompting.parse_batch_reply(_batch(), "1: 4\n1: 2\n3: 7")
    assert not missing[1].ok and "more than once" in missing[1].error
    assert not missing[2].ok and "not answered" in missing[2].error
    assert missing[3].value == 7.0
    as_json = prompting.parse_batch_reply(_batch(), '{"1": 2, "2": 3, "3": 5}')
    assert [as_json[n].value for n in (1, 2, 3)] == ["2", "3", 5.0]
    only_asked = prompting.parse_batch_reply(_batch(), "2: 1", numbers=[2])
    assert list(only_asked) == [2] and only_asked[2].value == "1"


def test_structured_output_constrains_the_answer_to_the_shown_numbers():
    item = _batch()[0]
    value = prompting.response_format([item], "value")
    assert value["type"] == "json_schema"
    assert value["json_schema"]["schema"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    wrapped = prompting.response_format([item], "object")["json_schema"]["schema"]
    assert wrapped["required"] == ["answer"] and wrapped["properties"]["answer"]["enum"] == [1, 2, 3, 4, 5]
    batch = prompting.response_format(_batch(), "value")["json_schema"][
        "schema"
    ]  # a batch is always an object
    assert batch["required"] == ["1", "2", "3"] and batch["properties"]["3"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 10,
    }
    text = prompting.PromptItem(key="t", type="text", text="Anything?")
    assert prompting.response_format([text], "value") is None
    assert prompting.response_format([item], "") is None
    # What a constrained server sends back parses like any other reply.
    assert prompting.parse_reply(item, "4").value == "4"
    assert prompting.parse_reply(item, '{"answer": 4}').value == "4"
