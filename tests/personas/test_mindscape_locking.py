"""Optimistic locking with two real database connections: of two writers holding the same
version, exactly one wins and the other gets a 409 with what the winner wrote."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from assessments import services as assessment_services
from personas.models import Mindscape
from personas.services import mindscapes


def _race(user, subject, bodies: list[dict]) -> list[tuple[int, dict]]:
    """Both threads read the mindscape (GET), meet at a barrier, then PATCH what they read."""
    barrier = threading.Barrier(len(bodies), timeout=10)
    results: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def write(body: dict) -> None:
        try:
            client = APIClient()
            client.force_login(user)
            read = client.get(f"/api/v1/subjects/{subject.pk}/mindscape/").json()
            barrier.wait()  # both have read the same version before either writes
            response = client.patch(
                f"/api/v1/subjects/{subject.pk}/mindscape/",
                {"version": read["version"], **body},
                format="json",
            )
            results.append((response.status_code, response.json()))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=write, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_with_the_same_version_exactly_one_wins(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    Mindscape.objects.create(subject=subject, traits={"work": {"chronotype": "morning"}}, version=5)

    results = _race(
        user,
        subject,
        [{"set": {"work.chronotype": "evening"}}, {"set": {"work.chronotype": "night"}}],
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409]
    winner = next(body for status, body in results if status == 200)
    loser = next(body for status, body in results if status == 409)
    assert winner["version"] == 6
    assert loser["current_version"] == 6
    assert loser["traits"] == winner["traits"]  # the loser sees what the winner wrote
    stored = Mindscape.objects.get(subject=subject)
    assert stored.version == 6
    assert stored.traits == winner["traits"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_first_edits_create_one_mindscape(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)

    results = _race(user, subject, [{"set": {"a": 1}}, {"set": {"b": 2}}])

    assert sorted(status for status, _ in results) == [200, 409]
    assert Mindscape.objects.filter(subject=subject).count() == 1
    assert Mindscape.objects.get(subject=subject).version == 1


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_racing_an_edit_keeps_the_edit(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    Mindscape.objects.create(subject=subject, traits={}, version=1)
    barrier = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def edit() -> None:
        mindscapes.mindscape_patch(
            subject=subject,
            version=1,
            patch=mindscapes.Patch(set={"work.chronotype": "night"}, unset=[]),
            user=user,
        )

    def rebuild() -> None:
        mindscapes.mindscape_rebuild(subject_id=subject.pk)

    threads = [threading.Thread(target=run, args=(work,)) for work in (edit, rebuild)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    stored = Mindscape.objects.get(subject=subject)
    assert stored.traits == {"work": {"chronotype": "night"}}
    assert stored.sources["work.chronotype"]["kind"] == "manual"
