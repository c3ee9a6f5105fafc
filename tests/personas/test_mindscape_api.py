"""Mindscape API: read with an ETag, edit paths carrying the version (409 when stale, 400 by
path), queue a rebuild; ownership on every endpoint."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assessments import services as assessment_services
from personai.outbox import OutboxTask
from personas.models import Mindscape
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(user):
    return assessment_services.subject_get_or_create_for_user(user=user)


@pytest.fixture
def owner(api_client, user):
    api_client.force_login(user)
    return api_client


@pytest.fixture
def mindscape(subject):
    return Mindscape.objects.create(
        subject=subject,
        traits={"big_five": {"openness": {"score": 70.0, "band": "high"}}, "work": {"chronotype": "morning"}},
        sources={
            "big_five.openness.score": {"kind": "assessment", "run_id": "r"},
            "big_five.openness.band": {"kind": "assessment", "run_id": "r"},
            "work.chronotype": {"kind": "observation"},
        },
        version=3,
    )


def url(subject, rest: str = "") -> str:
    return f"/api/v1/subjects/{subject.pk}/mindscape/{rest}"


def test_a_subject_without_a_mindscape_reads_as_empty_version_0(owner, subject):
    response = owner.get(url(subject))

    assert response.status_code == 200
    assert response.json() == {
        "subject": str(subject.pk),
        "traits": {},
        "sources": {},
        "version": 0,
        "updated_at": None,
    }
    assert response["ETag"] == '"0"'


def test_the_mindscape_is_read_with_its_version_as_etag(owner, subject, mindscape):
    response = owner.get(url(subject))

    assert response.status_code == 200
    body = response.json()
    assert body["traits"] == mindscape.traits
    assert body["sources"]["work.chronotype"] == {"kind": "observation"}
    assert body["version"] == 3
    assert response["ETag"] == '"3"'
    assert owner.get(url(subject), HTTP_IF_NONE_MATCH='"3"').status_code == 304
    assert owner.get(url(subject), HTTP_IF_NONE_MATCH='"2"').status_code == 200


def test_a_patch_sets_and_unsets_paths_records_manual_sources_and_bumps_the_version(
    owner, user, subject, mindscape
):
    response = owner.patch(
        url(subject),
        {
            "version": 3,
            "set": {"work.chronotype": "evening", "work.style.pace": [1, 2]},
            "unset": ["big_five"],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 4
    assert response["ETag"] == '"4"'
    assert body["traits"] == {"work": {"chronotype": "evening", "style": {"pace": [1, 2]}}}
    assert body["sources"]["work.chronotype"]["kind"] == "manual"
    assert body["sources"]["work.chronotype"]["by"] == str(user.pk)
    assert "big_five.openness.score" not in body["sources"]
    mindscape.refresh_from_db()
    assert (mindscape.version, mindscape.traits) == (4, body["traits"])


def test_the_version_may_come_as_if_match(owner, subject, mindscape):
    response = owner.patch(
        url(subject), {"set": {"work.chronotype": "night"}}, format="json", HTTP_IF_MATCH='"3"'
    )

    assert response.status_code == 200
    assert response.json()["version"] == 4


def test_a_stale_version_is_a_409_with_the_current_version_and_traits(owner, subject, mindscape):
    response = owner.patch(url(subject), {"version": 2, "set": {"work.chronotype": "night"}}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 3
    assert body["traits"] == mindscape.traits
    assert body["detail"]
    assert response["ETag"] == '"3"'
    mindscape.refresh_from_db()
    assert mindscape.traits["work"]["chronotype"] == "morning"


def test_a_stale_if_match_is_a_409_too(owner, subject, mindscape):
    response = owner.patch(url(subject), {"set": {"a": 1}}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 409


def test_the_first_edit_creates_the_mindscape_at_version_1(owner, subject):
    response = owner.patch(url(subject), {"version": 0, "set": {"work.chronotype": "night"}}, format="json")

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert Mindscape.objects.get(subject=subject).traits == {"work": {"chronotype": "night"}}
    stale = owner.patch(url(subject), {"version": 0, "set": {"work.chronotype": "day"}}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1


def test_a_patch_of_a_missing_mindscape_with_a_version_is_a_409(owner, subject):
    response = owner.patch(url(subject), {"version": 4, "set": {"a": 1}}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 0


def test_setting_the_same_value_again_changes_nothing(owner, subject, mindscape):
    first = owner.patch(url(subject), {"version": 3, "set": {"work.chronotype": "night"}}, format="json")
    again = owner.patch(url(subject), {"version": 4, "set": {"work.chronotype": "night"}}, format="json")

    assert first.json()["version"] == again.json()["version"] == 4


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"version": 3, "set": {"Work.Chronotype": "x"}}, "Work.Chronotype"),
        ({"version": 3, "set": {"work..chronotype": "x"}}, "work..chronotype"),
        ({"version": 3, "set": {"a.b.c.d.e.f.g.h.i": 1}}, "a.b.c.d.e.f.g.h.i"),
        ({"version": 3, "set": {"a" * 201: 1}}, "a" * 201),
        ({"version": 3, "set": {"work.notes": "x" * 20_000}}, "work.notes"),
        ({"version": 3, "set": {"work.style": {"Bad Key": 1}}}, "work.style"),
        ({"version": 3, "set": {"a.b.c.d.e.f.g": {"h": {"i": 1}}}}, "a.b.c.d.e.f.g"),
        ({"version": 3, "set": {"work": {"x": 1}, "work.chronotype": "y"}}, "work.chronotype"),
        ({"version": 3, "unset": ["big five"]}, "big five"),
        ({"version": 3}, "set"),
        ({"set": {"a": 1}}, "version"),
        ({"version": -1, "set": {"a": 1}}, "version"),
        ({"version": 3, "set": ["a"]}, "set"),
        ({"version": 3, "set": {"a": 1}, "unset": "a"}, "unset"),
    ],
)
def test_bad_paths_values_and_shapes_are_a_400_and_nothing_is_written(owner, subject, mindscape, body, key):
    response = owner.patch(url(subject), body, format="json")

    assert response.status_code == 400, response.json()
    assert key in response.json()["errors"], response.json()
    mindscape.refresh_from_db()
    assert mindscape.version == 3
    assert mindscape.traits["work"] == {"chronotype": "morning"}


def test_a_body_version_and_if_match_that_disagree_are_a_400(owner, subject, mindscape):
    response = owner.patch(url(subject), {"version": 3, "set": {"a": 1}}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_a_garbled_if_match_is_a_400(owner, subject, mindscape):
    response = owner.patch(url(subject), {"set": {"a": 1}}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 400


def test_rebuild_is_queued_once_per_subject(owner, subject):
    first = owner.post(url(subject, "rebuild/"))
    second = owner.post(url(subject, "rebuild/"))

    assert (first.status_code, second.status_code) == (202, 202)
    task = OutboxTask.objects.get(task_type="personas.rebuild_mindscape")
    assert task.payload == {"subject_id": str(subject.pk)}


# --------------------------------------------------------------------------- ownership


def test_another_users_mindscape_is_a_404_everywhere(api_client, subject, mindscape):
    api_client.force_login(UserFactory())

    assert api_client.get(url(subject)).status_code == 404
    assert api_client.patch(url(subject), {"version": 3, "set": {"a": 1}}, format="json").status_code == 404
    assert api_client.post(url(subject, "rebuild/")).status_code == 404
    mindscape.refresh_from_db()
    assert mindscape.version == 3
    assert not OutboxTask.objects.exists()


def test_anonymous_callers_get_nothing(subject, mindscape):
    client = APIClient()

    assert client.get(url(subject)).status_code in (401, 403)
    assert client.patch(url(subject), {"version": 3, "set": {"a": 1}}, format="json").status_code in (
        401,
        403,
    )
    assert client.post(url(subject, "rebuild/")).status_code in (401, 403)
    mindscape.refresh_from_db()
    assert mindscape.version == 3


def test_staff_read_and_edit_any_mindscape(api_client, subject, mindscape):
    staff = UserFactory(is_staff=True)
    api_client.force_login(staff)

    assert api_client.get(url(subject)).json()["version"] == 3
    response = api_client.patch(url(subject), {"version": 3, "set": {"a": 1}}, format="json")
    assert response.status_code == 200
    assert response.json()["sources"]["a"]["by"] == str(staff.pk)
    assert api_client.post(url(subject, "rebuild/")).status_code == 202


def test_reading_a_mindscape_takes_a_constant_number_of_queries(
    owner, subject, mindscape, django_assert_max_num_queries
):
    # session, user, subject (ownership), mindscape
    with django_assert_max_num_queries(4) as small:
        owner.get(url(subject))
    big = {f"q{n}": {f"d{m}": {"score": m, "band": "x"} for m in range(30)} for n in range(10)}
    Mindscape.objects.filter(pk=mindscape.pk).update(traits={"questionnaires": big})
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner.get(url(subject))
