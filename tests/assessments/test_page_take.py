"""Taking a questionnaire without JavaScript: one section per page, whole-page posts."""

import re

import pytest

from assessments import selectors
from assessments.models import AssessmentSession, Response
from tests.assessments.factories import import_page_instrument, self_session

pytestmark = pytest.mark.django_db


def _answers(session):
    return selectors.session_answers(session)


def test_the_first_page_shows_only_the_first_section(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.get(f"/assessments/{session.pk}/q/1/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "About you" in html
    assert "I like meeting people." in html
    assert "Do you host gatherings?" in html
    assert "How tidy is your desk?" not in html  # the next section's question


def test_choice_questions_are_fieldsets_with_a_legend_and_real_labels(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    block = html[html.index('id="q-likes-people"') :]
    block = block[: block.index("</fieldset>")]
    assert "<fieldset" in block
    assert '<legend class="question-text" id="l-likes-people">' in block
    assert block.count('type="radio"') == 5
    assert '<label class="choice" for="a-likes-people-4">' in block
    assert 'id="a-likes-people-4" name="a-likes-people" value="4"' in block
    assert 'aria-describedby="h-likes-people"' in block  # the help text


def test_yes_no_questions_are_two_radios(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert 'id="a-hosts-yes" name="a-hosts" value="yes"' in html
    assert 'id="a-hosts-no" name="a-hosts" value="no"' in html


def test_a_short_scale_shows_its_points_and_visible_end_labels(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get(f"/assessments/{session.pk}/q/2/").content.decode()

    block = html[html.index('id="q-tidy"') :]
    block = block[: block.index("</fieldset>")]
    assert block.count('type="radio"') == 11  # 0 … 10
    assert "Chaotic" in block and "Spotless" in block
    assert 'aria-describedby="t-tidy"' in block


def test_multiple_choice_is_checkboxes_with_a_hint_and_text_is_a_textarea(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get(f"/assessments/{session.pk}/q/2/").content.decode()

    assert html.count('type="checkbox"') == 3
    assert "Choose 1 to 2." in html
    assert '<label class="question-text" id="l-notes" for="a-notes">' in html
    assert '<textarea class="input" id="a-notes" name="a-notes" rows="4" maxlength="200"' in html
    assert "(optional)" in html


def test_progress_counts_answered_of_visible_questions(user_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "3"})

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    # host-size is hidden until "hosts" is answered yes: 5 visible questions, of which the
    # optional "notes" counts only once answered.
    assert "<strong>1 of 4</strong> answered" in html
    assert 'class="progress-bar pct-25"' in html


def test_a_branch_rule_hides_the_follow_up_until_it_applies(user_client, user, page_version):
    hidden = self_session(user, page_version, {"hosts": False})
    shown = self_session(user, page_version, {"hosts": True})

    assert (
        "How many guests, usually?" not in user_client.get(f"/assessments/{hidden.pk}/q/1/").content.decode()
    )
    assert "How many guests, usually?" in user_client.get(f"/assessments/{shown.pk}/q/1/").content.decode()


def test_a_long_section_is_split_into_parts_of_about_ten(user_client, user, db):
    version = import_page_instrument(slug="page-long", extra=25)
    session = self_session(user, version)

    third = user_client.get(f"/assessments/{session.pk}/q/3/").content.decode()
    fifth = user_client.get(f"/assessments/{session.pk}/q/5/").content.decode()

    # Pages: about, habits, then "more" (25 items) in three balanced parts of 9, 9 and 7.
    assert "A few more" in third and "Part 1 of 3" in third
    assert len(re.findall(r'<div class="question[^"]*" id="q-', third)) == 9
    assert "Statement number 1." in third and "Statement number 10." not in third
    assert "Part 3 of 3" in fifth
    assert "Statement number 25." in fifth
    assert "Review answers" in fifth  # the last page leads to the review


def test_questions_are_shown_in_the_sessions_language(user_client, user, page_version):
    session = self_session(user, page_version)
    AssessmentSession.objects.filter(pk=session.pk).update(locale="de")

    first = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()
    second = user_client.get(f"/assessments/{session.pk}/q/2/").content.decode()

    assert "Über Sie" in first
    assert "Ich lerne gern Menschen kennen." in first
    assert "Trifft voll zu" in first
    assert 'lang="de"' in first
    assert "Chaotisch" in second and "Makellos" in second
    assert "Gärtnern" in second
    # Texts the page makes up itself follow the session's language too.
    assert '<span class="choice-label">Ja</span>' in first
    assert '<span class="choice-label">Nein</span>' in first
    assert "Wählen Sie 1 bis 2 aus." in second


def test_saving_a_page_stores_every_answer_on_it_and_moves_on(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/1/",
        {"shown": "likes-people,hosts", "a-likes-people": "4", "a-hosts": "no", "nav": "next"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{session.pk}/q/2/"
    answers = _answers(session)
    assert answers["likes-people"].option == "4"
    assert answers["hosts"].boolean is False


def test_a_follow_up_that_appears_keeps_the_respondent_on_the_page(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/1/",
        {"shown": "likes-people,hosts", "a-likes-people": "4", "a-hosts": "yes", "nav": "next"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your answers brought up a follow-up question below." in html
    assert "How many guests, usually?" in html
    assert _answers(session)["hosts"].boolean is True


def test_back_saves_and_goes_to_the_previous_page(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/2/", {"shown": "tidy,hobbies,notes", "a-tidy": "3", "nav": "back"}
    )

    assert response["Location"] == f"/assessments/{session.pk}/q/1/"
    assert _answers(session)["tidy"].number == 3


def test_finish_later_saves_and_returns_to_the_dashboard(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/1/",
        {"shown": "likes-people,hosts", "a-likes-people": "2", "nav": "exit"},
    )

    assert response["Location"] == "/dashboard/"
    assert _answers(session)["likes-people"].option == "2"


def test_an_invalid_answer_is_explained_next_to_its_question_and_the_rest_is_saved(
    user_client, user, page_version
):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/2/",
        {
            "shown": "tidy,hobbies,notes",
            "a-tidy": "8",
            "a-hobbies": ["read", "garden", "party"],
            "nav": "next",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="question is-invalid" id="q-hobbies"' in html
    block = html[html.index('id="q-hobbies"') :]
    block = block[: block.index('id="q-notes"')]
    assert '<p class="question-error" id="e-hobbies" role="alert">' in block
    assert "Choose at most 2 options." in block
    assert block.count('aria-invalid="true"') == 3
    assert 'aria-describedby="e-hobbies"' in block
    assert block.count("checked") == 3  # what the respondent chose is kept on screen
    assert "One answer needs your attention" in html  # the summary at the top links to it
    assert 'href="#q-hobbies"' in html
    answers = _answers(session)
    assert answers["tidy"].number == 8
    assert "hobbies" not in answers


def test_blank_answers_without_javascript_are_left_unanswered(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/2/", {"shown": "tidy,hobbies,notes", "a-notes": "  ", "nav": "next"}
    )

    assert response.status_code == 302
    assert not Response.objects.filter(session=session).exists()


def test_emptying_a_saved_answer_removes_it(user_client, user, page_version):
    session = self_session(user, page_version, {"notes": "Hello"})

    user_client.post(
        f"/assessments/{session.pk}/q/2/", {"shown": "tidy,hobbies,notes", "a-notes": "", "nav": "next"}
    )

    assert "notes" not in _answers(session)


def test_resume_opens_the_first_page_with_an_unanswered_question(user_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "4", "hosts": False})

    response = user_client.get(f"/assessments/{session.pk}/")

    assert response["Location"] == f"/assessments/{session.pk}/q/2/"


def test_resume_opens_the_review_when_everything_is_answered(user_client, user, page_version):
    session = self_session(
        user,
        page_version,
        {"likes-people": "4", "hosts": False, "tidy": 5, "hobbies": ["read"], "notes": "x"},
    )

    response = user_client.get(f"/assessments/{session.pk}/")

    assert response["Location"] == f"/assessments/{session.pk}/review/"


def test_a_page_number_past_the_end_is_a_404(user_client, user, page_version):
    session = self_session(user, page_version)

    assert user_client.get(f"/assessments/{session.pk}/q/9/").status_code == 404


def test_inputs_have_stable_ids(user_client, user, page_version):
    session = self_session(user, page_version)

    first = user_client.get(f"/assessments/{session.pk}/q/2/").content.decode()
    again = user_client.get(f"/assessments/{session.pk}/q/2/").content.decode()

    ids = re.findall(r'<input[^>]* id="([^"]+)"', first)
    assert ids and ids == re.findall(r'<input[^>]* id="([^"]+)"', again)
    assert len(ids) == len(set(ids))


def _likes_people_block(html: str) -> str:
    block = html[html.index('id="q-likes-people"') :]
    return block[: block.index("</fieldset>")]


def test_a_reused_question_block_still_shows_each_sessions_own_answer(user_client, user, page_version):
    from assessments import services
    from tests.factories import UserFactory

    session = self_session(user, page_version)
    other_user = UserFactory()
    other = self_session(other_user, page_version, {"likes-people": "2"})
    first = _likes_people_block(user_client.get(f"/assessments/{session.pk}/q/1/").content.decode())

    services.responses_save(session=session, answers={"likes-people": "4"})
    answered = _likes_people_block(user_client.get(f"/assessments/{session.pk}/q/1/").content.decode())
    user_client.force_login(other_user)
    others = _likes_people_block(user_client.get(f"/assessments/{other.pk}/q/1/").content.decode())

    assert " checked" not in first
    assert 'value="4" checked' in answered and answered.count(" checked") == 1
    assert 'value="2" checked' in others and others.count(" checked") == 1


def test_remembered_questions_stay_within_their_bound(user_client, user, page_version, monkeypatch):
    from assessments import presenters
    from assessments.presenters import taking

    monkeypatch.setattr(taking, "QUESTION_MEMO_SIZE", 3)
    session = self_session(user, page_version)
    for page in (1, 2, 1):
        assert user_client.get(f"/assessments/{session.pk}/q/{page}/").status_code == 200

    plan = selectors.session_plan(selectors.session_for_user(user, session.pk))
    memo = plan.derived("questions", lambda p: {})
    assert 0 < len(memo) <= 3
    assert all(isinstance(question, presenters.Question) for question in memo.values())
