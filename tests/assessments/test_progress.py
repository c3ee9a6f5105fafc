"""Progress counts the visible questions that are required or answered, the same everywhere."""

import pytest
from django.core.management import call_command

from assessments import scoring, selectors, services
from assessments.progress import progress_of
from tests.assessments.factories import PAGE_ANSWERS, self_session


def _item(key: str, *, required: bool = True) -> scoring.Item:
    return scoring.Item(key=key, type="text", required=required, config={})


def test_an_unanswered_optional_question_does_not_count():
    items = {"a": _item("a"), "b": _item("b", required=False)}

    progress = progress_of(items, ["a", "b"], {"a": scoring.Answer(text="yes")})

    assert (progress.answered, progress.total, progress.percent) == (1, 1, 100)
    assert progress.visible == 2
    assert progress.required_missing == []


def test_an_answered_optional_question_counts_on_both_sides():
    items = {"a": _item("a"), "b": _item("b", required=False)}

    progress = progress_of(items, ["a", "b"], {"b": scoring.Answer(text="note")})

    assert (progress.answered, progress.total, progress.percent) == (1, 2, 50)
    assert progress.required_missing == ["a"]


def test_hidden_questions_do_not_count_even_when_answered():
    items = {"a": _item("a"), "b": _item("b")}

    progress = progress_of(items, ["a"], {"b": scoring.Answer(text="stale")})

    assert (progress.answered, progress.total) == (0, 1)


def test_nothing_to_answer_is_complete():
    assert progress_of({}, [], {}).percent == 100


@pytest.mark.django_db
def test_every_required_answer_reads_complete_on_the_page_and_the_review(user_client, user, page_version):
    answers = {key: value for key, value in PAGE_ANSWERS.items() if key != "notes"}  # notes is optional
    session = self_session(user, page_version, answers)

    page = user_client.get(f"/assessments/{session.pk}/q/2/").content.decode()
    review = user_client.get(f"/assessments/{session.pk}/review/").content.decode()

    for html in (page, review):
        assert "<strong>5 of 5</strong> answered" in html
        assert 'class="progress-bar pct-100"' in html


@pytest.mark.django_db
def test_the_start_page_counts_like_the_first_page(user_client, user, page_version):
    start = user_client.get("/questionnaires/page-check/").content.decode()
    session = self_session(user, page_version)
    first = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert "<strong>4 questions</strong> and 1 optional" in start
    assert "<strong>0 of 4</strong> answered" in first


@pytest.mark.django_db
def test_disc_completed_without_the_optional_comment_is_100_percent(user_client, user):
    call_command("load_instruments", stdout=open("/dev/null", "w"))  # noqa: SIM115
    user_client.post("/questionnaires/disc/")
    session = selectors.sessions_for_user(user).get()
    answers = {
        "meeting-stalls": "a",
        "new-project": "b",
        "disagreement": "c",
        "deadline-moved": "d",
        "giving-feedback": "a",
        "step-in": True,
        "speak-to-group": False,
        "prefer-routine": False,
        "double-check": True,
        "decision-speed": 8,
        "people-energy": 3,
        "stability-need": 5,
        "work-rhythm": "fast",
        "leads-team": True,
        "lead-decisions": 7,
        "energisers": ["winning", "solving"],
    }

    services.responses_save(session=session, answers=answers)

    review = user_client.get(f"/assessments/{session.pk}/review/").content.decode()
    dashboard = user_client.get("/dashboard/").content.decode()

    assert "<strong>16 of 16</strong> answered" in review
    assert "100%" in review
    assert "16 of 16 questions answered" in dashboard
