"""The persona page: illustration and prose, facts, what shaped it, status polling, Retry,
expiry and Regenerate, history, feedback; the SVG view; ownership; constant query counts."""

from __future__ import annotations

import pytest

from personai.outbox import OutboxTask
from personas.models import Feedback, Persona
from tests.factories import UserFactory
from tests.personas.persona_factories import make_mapper, make_persona, subject_with_mindscape

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def subject(user):
    return subject_with_mindscape(user)


@pytest.fixture
def persona(subject):
    return make_persona(subject)


def test_a_ready_persona_shows_illustration_description_facts_and_sources(user_client, persona):
    html = user_client.get(f"/personas/{persona.pk}/").content.decode()

    assert f'src="/personas/{persona.pk}/illustration.svg"' in html
    assert "A test persona." in html
    assert '<span class="badge badge-success">Ready</span>' in html
    assert "Calm" in html  # voice, from core
    assert "<code>r1</code>" in html and "because" in html  # the rule that fired, and why
    assert '<details class="persona-prompt">' in html and "You are a test persona." in html
    assert f'action="/personas/{persona.pk}/feedback/"' in html
    assert "hx-trigger" not in html  # nothing to poll
    assert 'action="/chat/new/"' in html and f'name="persona" value="{persona.pk}"' in html


def test_a_generating_persona_polls_its_status(user_client, subject):
    persona = make_persona(subject, status=Persona.Status.GENERATING, illustration_svg="")

    html = user_client.get(f"/personas/{persona.pk}/").content.decode()

    assert "Generating the persona…" in html
    assert f'hx-get="/personas/{persona.pk}/status/" hx-trigger="every 2s"' in html
    assert '<meta http-equiv="refresh" content="5">' in html  # without JavaScript
    assert "illustration.svg" not in html


def test_the_status_view_answers_204_until_the_persona_is_done(user_client, subject):
    persona = make_persona(subject, status=Persona.Status.GENERATING)

    assert user_client.get(f"/personas/{persona.pk}/status/", **HTMX).status_code == 204

    Persona.objects.filter(pk=persona.pk).update(status=Persona.Status.READY)
    response = user_client.get(f"/personas/{persona.pk}/status/", **HTMX)
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()
    # Without htmx it is just the page.
    assert user_client.get(f"/personas/{persona.pk}/status/").status_code == 302


def test_a_failed_persona_shows_the_error_and_retry_works(user_client, subject):
    make_mapper()
    persona = make_persona(subject, status=Persona.Status.FAILED)

    html = user_client.get(f"/personas/{persona.pk}/").content.decode()
    assert "The language model is unavailable: test." in html
    assert f'action="/personas/{persona.pk}/retry/"' in html

    response = user_client.post(f"/personas/{persona.pk}/retry/")
    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.status == Persona.Status.GENERATING
    assert OutboxTask.objects.filter(dedupe_key=f"persona:{persona.pk}").exists()


def test_retrying_a_ready_persona_is_refused_with_a_message(user_client, persona):
    response = user_client.post(f"/personas/{persona.pk}/retry/", follow=True)

    assert "Only a failed persona can be retried" in response.content.decode()
    persona.refresh_from_db()
    assert persona.status == Persona.Status.READY


def test_an_expired_persona_is_shown_expired_and_regenerate_creates_a_new_one(user_client, subject):
    make_mapper()
    old = make_persona(subject, expired=True)

    html = user_client.get(f"/personas/{old.pk}/").content.decode()
    assert '<span class="badge badge-warning">Expired</span>' in html
    assert "Regenerate" in html

    response = user_client.post(f"/subjects/{subject.pk}/personas/generate/")
    new = Persona.objects.exclude(pk=old.pk).get()
    assert response["Location"] == f"/personas/{new.pk}/"
    assert new.status == Persona.Status.GENERATING
    old.refresh_from_db()
    assert old.is_expired  # kept, as history
    html = user_client.get(f"/personas/{new.pk}/").content.decode()
    assert f'href="/personas/{old.pk}/"' in html  # in the history


def test_the_illustration_is_served_as_svg_with_safe_headers(user_client, persona):
    response = user_client.get(f"/personas/{persona.pk}/illustration.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert "max-age" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response.content.decode() == persona.illustration_svg


def test_no_illustration_yet_is_a_404(user_client, subject):
    persona = make_persona(subject, status=Persona.Status.GENERATING, illustration_svg="")

    assert user_client.get(f"/personas/{persona.pk}/illustration.svg").status_code == 404


def test_feedback_is_saved_with_the_mapper_version(user_client, user, subject):
    persona = make_persona(subject, mapper_version=3)

    response = user_client.post(
        f"/personas/{persona.pk}/feedback/", {"rating": "4", "helpful": "yes", "comment": "Close enough."}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/personas/{persona.pk}/#feedback"
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.helpful, feedback.comment, feedback.mapper_version) == (
        4,
        True,
        "Close enough.",
        3,
    )
    assert feedback.created_by == user


@pytest.mark.parametrize(
    "data",
    [{"rating": "9"}, {"comment": "x" * 2001}, {}, {"helpful": "maybe"}],
)
def test_invalid_feedback_is_shown_on_the_page_and_nothing_is_saved(user_client, persona, data):
    response = user_client.post(f"/personas/{persona.pk}/feedback/", data)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Feedback.objects.exists()


def test_staff_see_the_persona_and_its_prompt(client, persona):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    html = client.get(f"/personas/{persona.pk}/").content.decode()

    assert "You are a test persona." in html  # staff see everything


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "status/"),
        ("get", "illustration.svg"),
        ("post", "retry/"),
        ("post", "feedback/"),
    ],
)
def test_another_users_persona_is_a_404_and_anonymous_must_log_in(client, persona, method, suffix):
    url = f"/personas/{persona.pk}/{suffix}"
    data = {"rating": "5"} if suffix == "feedback/" else {}

    anonymous = getattr(client, method)(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")

    client.force_login(UserFactory())
    assert getattr(client, method)(url, data).status_code == 404
    assert not Feedback.objects.exists()
    assert Persona.objects.get(pk=persona.pk).status == Persona.Status.READY


def test_the_persona_page_makes_a_constant_number_of_queries(
    user_client, subject, django_assert_max_num_queries
):
    from personas.models import Narrative, PersonaNarrativeUsage

    persona = make_persona(subject)
    user_client.get(f"/personas/{persona.pk}/")  # warm caches
    with django_assert_max_num_queries(12) as few:
        user_client.get(f"/personas/{persona.pk}/")
    for i in range(10):
        make_persona(subject, expired=True)
        narrative = Narrative.objects.create(
            subject=subject, narrative_type="self_observation", raw_text=f"n{i}"
        )
        PersonaNarrativeUsage.objects.create(persona=persona, narrative=narrative, usage_type="grounding")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = user_client.get(f"/personas/{persona.pk}/")
    assert response.content.decode().count("<q>") == 10
