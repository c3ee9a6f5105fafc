"""Observations API: create one or many (validated by JSON Schema, all or nothing), list with
filters and cursor pagination, the observation types, ownership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as assessment_services
from personai.outbox import OutboxTask
from personas.models import Observation
from personas.services.observations import MAX_BULK
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WORK = {"observation_type": "work_session", "content": {"duration_minutes": 50, "focus_level": "deep"}}


@pytest.fixture
def subject(user):
    return assessment_services.subject_get_or_create_for_user(user=user)


@pytest.fixture
def owner(api_client, user):
    api_client.force_login(user)
    return api_client


def url(subject) -> str:
    return f"/api/v1/subjects/{subject.pk}/observations/"


def rebuilds() -> int:
    return OutboxTask.objects.filter(task_type="personas.rebuild_mindscape").count()


def test_one_observation_is_created_by_the_caller_and_queues_a_rebuild(owner, user, subject):
    response = owner.post(url(subject), {**WORK, "metadata": {"app": "timer"}}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["observation_type"] == "work_session"
    assert body["content"] == WORK["content"]
    assert body["metadata"] == {"app": "timer"}
    assert body["created_by"] == str(user.pk)
    assert body["subject"] == str(subject.pk)
    observation = Observation.objects.get()
    assert observation.created_by == user
    task = OutboxTask.objects.get(task_type="personas.rebuild_mindscape")
    assert task.payload == {"subject_id": str(subject.pk)}
    assert task.dedupe_key == f"mindscape:{subject.pk}"


def test_invalid_content_is_reported_by_json_path_and_nothing_is_written(owner, subject):
    response = owner.post(
        url(subject),
        {"observation_type": "work_session", "content": {"duration_minutes": -5, "focus_level": "zen"}},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["content.duration_minutes"] == ["-5 is less than the minimum of 0"]
    assert "content.focus_level" in errors
    assert response.json()["detail"]
    assert not Observation.objects.exists()
    assert rebuilds() == 0


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"observation_type": "work_session", "content": {}}, "content.duration_minutes"),
        ({"observation_type": "dream", "content": {}}, "observation_type"),
        ({"content": {"text": "hi"}}, "observation_type"),
        ({**WORK, "colour": "red"}, "colour"),
        ({**WORK, "metadata": ["not", "an", "object"]}, "metadata"),
        ({**WORK, "created_at": "yesterday-ish"}, "created_at"),
        ({**WORK, "created_at": (timezone.now() + timedelta(days=2)).isoformat()}, "created_at"),
        (
            {"observation_type": "calendar_event", "content": {"title": "x", "starts_at": "9am"}},
            "content.starts_at",
        ),
        ({"observation_type": "user_input", "content": "just text"}, "content"),
        ("a string", "non_field_errors"),
    ],
)
def test_bad_input_is_a_400_keyed_by_path(owner, subject, body, key):
    response = owner.post(url(subject), body, format="json")

    assert response.status_code == 400
    assert key in response.json()["errors"], response.json()
    assert not Observation.objects.exists()


def test_a_list_creates_them_all(owner, subject):
    items = [
        {"observation_type": "work_session", "content": {"duration_minutes": minutes}} for minutes in range(3)
    ] + [{"observation_type": "user_input", "content": {"text": "I work best at night."}}]

    response = owner.post(url(subject), items, format="json")

    assert response.status_code == 201
    assert len(response.json()) == 4
    assert Observation.objects.filter(subject=subject).count() == 4
    assert rebuilds() == 1


def test_one_bad_item_in_a_list_rejects_the_list_with_indexed_paths(owner, subject):
    items = [WORK] * 3 + [{"observation_type": "work_session", "content": {"duration_minutes": -5}}, {"x": 1}]

    response = owner.post(url(subject), items, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["3.content.duration_minutes"] == ["-5 is less than the minimum of 0"]
    assert "4.observation_type" in errors
    assert not any(key.startswith(("0.", "1.", "2.")) for key in errors)
    assert not Observation.objects.exists()
    assert rebuilds() == 0


def test_a_list_over_the_cap_is_refused(owner, subject):
    response = owner.post(url(subject), [WORK] * (MAX_BULK + 1), format="json")

    assert response.status_code == 400
    assert str(MAX_BULK) in str(response.json()["errors"])
    assert not Observation.objects.exists()


def test_a_list_at_the_cap_is_accepted(owner, subject):
    response = owner.post(url(subject), [WORK] * MAX_BULK, format="json")

    assert response.status_code == 201
    assert Observation.objects.count() == MAX_BULK


def test_an_empty_list_is_refused(owner, subject):
    response = owner.post(url(subject), [], format="json")
    assert response.status_code == 400


def _record(subject, observation_type="work_session", minutes_ago=0, content=None):
    return Observation.objects.create(
        subject=subject,
        observation_type=observation_type,
        content=content or {"duration_minutes": 1},
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_the_list_is_newest_first_and_filters_by_type_and_time(owner, subject):
    old = _record(subject, minutes_ago=120)
    middle = _record(subject, "user_input", minutes_ago=60, content={"text": "hello"})
    new = _record(subject, minutes_ago=1)

    everything = owner.get(url(subject)).json()["results"]
    work = owner.get(url(subject), {"type": "work_session"}).json()["results"]
    since = (timezone.now() - timedelta(minutes=90)).isoformat()
    until = (timezone.now() - timedelta(minutes=30)).isoformat()
    window = owner.get(url(subject), {"since": since, "until": until}).json()["results"]
    recent = owner.get(url(subject), {"since": since}).json()["results"]

    assert [o["id"] for o in everything] == [str(new.pk), str(middle.pk), str(old.pk)]
    assert [o["id"] for o in work] == [str(new.pk), str(old.pk)]
    assert [o["id"] for o in window] == [str(middle.pk)]
    assert [o["id"] for o in recent] == [str(new.pk), str(middle.pk)]


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"since": "last tuesday"}, "since"),
        ({"until": "2026-13-45T00:00:00Z"}, "until"),
        ({"since": "2026-03-02T10:00:00Z", "until": "2026-03-02T09:00:00Z"}, "until"),
        ({"type": "dream"}, "type"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_filters_are_a_400(owner, subject, params, key):
    response = owner.get(url(subject), params)

    assert response.status_code == 400
    assert key in response.json()["errors"]


def test_cursor_pagination_walks_every_observation_once(owner, subject):
    now = timezone.now()
    created = [
        Observation.objects.create(
            subject=subject,
            observation_type="work_session",
            content={"duration_minutes": n},
            # Two share a timestamp: the cursor still neither skips nor repeats one.
            created_at=now - timedelta(minutes=n if n != 3 else 2),
        )
        for n in range(7)
    ]
    seen: list[str] = []
    page = owner.get(url(subject), {"page_size": 3}).json()
    pages = 1
    seen += [o["id"] for o in page["results"]]
    while page["next"]:
        page = owner.get(page["next"]).json()
        seen += [o["id"] for o in page["results"]]
        pages += 1

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == {str(o.pk) for o in created}
    assert seen[0] == str(created[0].pk)


def test_the_observation_types_are_listed_with_their_schemas(owner):
    response = owner.get("/api/v1/observation-types/")

    assert response.status_code == 200
    types = {item["name"]: item for item in response.json()}
    assert {"work_session", "user_input", "calendar_event", "survey_feedback"} <= set(types)
    assert types["work_session"]["schema"]["properties"]["duration_minutes"]["minimum"] == 0
    assert types["work_session"]["description"]


# --------------------------------------------------------------------------- ownership


def test_another_users_subject_is_a_404_for_list_and_create(api_client, subject):
    api_client.force_login(UserFactory())
    _record(subject)

    assert api_client.get(url(subject)).status_code == 404
    assert api_client.post(url(subject), WORK, format="json").status_code == 404
    assert Observation.objects.count() == 1


def test_anonymous_callers_see_nothing(subject):
    client = APIClient()
    _record(subject)

    assert client.get(url(subject)).status_code in (401, 403)
    assert client.post(url(subject), WORK, format="json").status_code in (401, 403)
    assert client.get("/api/v1/observation-types/").status_code in (401, 403)
    assert Observation.objects.count() == 1


def test_staff_see_and_write_any_subjects_observations(api_client, subject):
    staff = UserFactory(is_staff=True)
    api_client.force_login(staff)
    _record(subject)

    assert len(api_client.get(url(subject)).json()["results"]) == 1
    response = api_client.post(url(subject), WORK, format="json")
    assert response.status_code == 201
    assert response.json()["created_by"] == str(staff.pk)


def test_a_managed_agent_subject_is_its_owners(owner, user):
    from assessments.models import SubjectProfile

    agent = SubjectProfile.objects.create(
        subject_type=SubjectProfile.SubjectType.AGENT, owner=user, display_name="Agent"
    )
    assert owner.post(url(agent), WORK, format="json").status_code == 201


def test_listing_takes_the_same_number_of_queries_for_many_observations(
    owner, subject, django_assert_max_num_queries
):
    for n in range(3):
        _record(subject, minutes_ago=n)
    with django_assert_max_num_queries(4) as few:
        owner.get(url(subject))
    for n in range(40):
        _record(subject, minutes_ago=10 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner.get(url(subject))
