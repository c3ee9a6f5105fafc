"""Admin of observations and mindscapes: read-mostly lists with search and filters, a rebuild action."""

from __future__ import annotations

import pytest

from assessments import services as assessment_services
from personai.outbox import OutboxTask
from personas.models import Mindscape, Observation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def subjects():
    alice = assessment_services.subject_get_or_create_for_user(user=UserFactory(username="alice"))
    bob = assessment_services.subject_get_or_create_for_user(user=UserFactory(username="bob"))
    Observation.objects.create(
        subject=alice, observation_type="work_session", content={"duration_minutes": 5}
    )
    Observation.objects.create(subject=bob, observation_type="user_input", content={"text": "bob's note"})
    return alice, bob


def test_observations_are_searched_by_subject_and_filtered_by_type(staff_client, subjects):
    alice, bob = subjects

    everything = staff_client.get("/admin/personas/observation/")
    by_subject = staff_client.get("/admin/personas/observation/", {"q": "bob"})
    by_type = staff_client.get("/admin/personas/observation/", {"observation_type": "work_session"})

    assert everything.status_code == 200
    assert by_subject.context["cl"].result_count == 1
    assert by_subject.context["cl"].result_list[0].subject == bob
    assert [o.subject for o in by_type.context["cl"].result_list] == [alice]
    assert b"Calendar event" in everything.content  # every registered type is a filter choice


def test_an_observation_is_shown_read_only(staff_client, subjects):
    observation = Observation.objects.get(observation_type="user_input")

    page = staff_client.get(f"/admin/personas/observation/{observation.pk}/change/")

    assert page.status_code == 200
    assert b"bob&#x27;s note" in page.content
    assert b'name="_save"' not in page.content
    assert staff_client.get("/admin/personas/observation/add/").status_code == 403


def test_mindscapes_are_listed_shown_and_rebuilt_from_the_admin(staff_client, subjects):
    alice, _ = subjects
    mindscape = Mindscape.objects.create(subject=alice, traits={"work": {"chronotype": "night"}}, version=2)

    listing = staff_client.get("/admin/personas/mindscape/", {"q": "alice"})
    page = staff_client.get(f"/admin/personas/mindscape/{mindscape.pk}/change/")
    action = staff_client.post(
        "/admin/personas/mindscape/", {"action": "rebuild", "_selected_action": [str(mindscape.pk)]}
    )

    assert listing.context["cl"].result_count == 1
    assert b"chronotype" in page.content
    assert action.status_code == 302
    task = OutboxTask.objects.get(task_type="personas.rebuild_mindscape")
    assert task.payload == {"subject_id": str(alice.pk)}


def test_a_non_staff_user_cannot_open_the_admin(client, subjects):
    client.force_login(UserFactory())
    response = client.get("/admin/personas/observation/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
