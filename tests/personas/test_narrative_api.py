"""Narratives API: create, list, filter, change, delete; limits are a 400 by field with nothing
written; another user's subject or narrative is a 404 everywhere."""

from __future__ import annotations

import pytest

from personai.outbox import OutboxTask
from personas.models import Narrative
from personas.services import narratives as services
from tests.personas.narrative_factories import own_subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(user):
    return own_subject(user)


@pytest.fixture
def logged_in(api_client, user):
    api_client.force_login(user)
    return api_client


def url(subject) -> str:
    return f"/api/v1/subjects/{subject.pk}/narratives/"


def write(subject, text="I like mornings.", **extra) -> Narrative:
    extra.setdefault("narrative_type", "self_observation")
    return services.narrative_create(subject=subject, raw_text=text, created_by=subject.user, **extra)


def test_a_narrative_is_created_pending_with_its_embedding_enqueued(logged_in, subject, user):
    response = logged_in.post(
        url(subject),
        {
            "narrative_type": "curation",
            "raw_text": "  I am more open than the test says.  ",
            "curated_text": "More open to new experiences than measured.",
            "tags": ["Self Image", "openness", "OPENNESS"],
            "context": {"where": "after results"},
            "trait_path": "big_five.openness.score",
            "curation_action": {"op": "adjust", "by": 10},
            "source": "results page",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["raw_text"] == "I am more open than the test says."
    assert body["text"] == "More open to new experiences than measured."
    assert body["tags"] == ["self image", "openness"]
    assert body["trait_path"] == "big_five.openness.score"
    assert body["curation_action"] == {"op": "adjust", "by": 10}
    assert body["embedding_status"] == "pending"
    assert body["embedding_model"] == "" and body["embedded_at"] is None
    assert body["created_by"] == str(user.pk)
    assert body["subject"] == str(subject.pk)
    task = OutboxTask.objects.get()
    assert task.task_type == "personas.embed_narrative"
    assert task.payload == {"narrative_id": body["id"]}
    assert task.dedupe_key == f"narrative-embed:{body['id']}"


LONG = "x" * (services.MAX_TEXT_CHARS + 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"raw_text": LONG}, "raw_text"),
        ({"raw_text": "   "}, "raw_text"),
        ({"raw_text": ""}, "raw_text"),
        ({"curated_text": LONG}, "curated_text"),
        ({"tags": [f"tag{n}" for n in range(services.MAX_TAGS + 1)]}, "tags"),
        ({"tags": ["ok", "no/slashes"]}, "tags"),
        ({"tags": ["a" * (services.MAX_TAG_CHARS + 1)]}, "tags"),
        ({"tags": ["   "]}, "tags"),
        ({"tags": "one,two"}, "tags"),
        ({"narrative_type": "diary"}, "narrative_type"),
        ({"narrative_type": "curation"}, "trait_path"),
        ({"narrative_type": "curation", "trait_path": "Big Five > openness"}, "trait_path"),
        ({"trait_path": "big_five..score"}, "trait_path"),
        ({"context": ["not", "an", "object"]}, "context"),
        ({"curation_action": "raise it"}, "curation_action"),
        ({"source": "s" * 101}, "source"),
        ({"raw_text": 5}, "raw_text"),
        ({"tags": [1, 2]}, "tags"),
    ],
)
def test_input_over_the_limits_is_a_400_by_field_and_nothing_is_written(logged_in, subject, body, field):
    payload = {"narrative_type": "self_observation", "raw_text": "Fine.", **body}

    response = logged_in.post(url(subject), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Narrative.objects.exists()
    assert not OutboxTask.objects.exists()


def test_a_text_at_the_limit_is_accepted(logged_in, subject):
    text = "y" * services.MAX_TEXT_CHARS
    tags = [f"tag-{n}" for n in range(services.MAX_TAGS)]

    response = logged_in.post(
        url(subject), {"narrative_type": "self_observation", "raw_text": text, "tags": tags}, format="json"
    )

    assert response.status_code == 201
    assert len(response.json()["tags"]) == services.MAX_TAGS


def test_the_list_is_paginated_and_filters_by_type_and_tag(logged_in, subject):
    write(subject, "one", tags=["work"])
    write(subject, "two", narrative_type="curation", trait_path="disc.d.score", tags=["work"])
    write(subject, "three", tags=["home"])

    everything = logged_in.get(url(subject)).json()
    page = logged_in.get(url(subject), {"limit": 2}).json()
    curations = logged_in.get(url(subject), {"type": "curation"}).json()
    work = logged_in.get(url(subject), {"tag": "Work"}).json()
    bad = logged_in.get(url(subject), {"type": "diary"})
    empty = logged_in.get(f"{url(subject)}?tag=")

    assert everything["count"] == 3
    assert [n["raw_text"] for n in everything["results"]] == ["three", "two", "one"]
    assert len(page["results"]) == 2 and page["next"]
    assert [n["raw_text"] for n in curations["results"]] == ["two"]
    assert [n["raw_text"] for n in work["results"]] == ["two", "one"]
    assert bad.status_code == 400 and "type" in bad.json()["errors"]
    assert empty.status_code == 400 and "tag" in empty.json()["errors"]


def test_patch_changes_only_the_given_fields(logged_in, subject):
    narrative = write(subject, "Original.", tags=["a"])
    OutboxTask.objects.all().delete()

    response = logged_in.patch(f"/api/v1/narratives/{narrative.pk}/", {"tags": ["B", "c"]}, format="json")

    assert response.status_code == 200
    assert response.json()["tags"] == ["b", "c"]
    assert response.json()["raw_text"] == "Original."
    assert not OutboxTask.objects.exists()  # same text: no new embedding


def test_patch_of_the_text_clears_the_embedding_and_enqueues_it(logged_in, subject):
    narrative = write(subject, "Original.")
    Narrative.objects.filter(pk=narrative.pk).update(
        embedding=[1.0] + [0.0] * 383, embedding_model="all-MiniLM-L6-v2"
    )
    OutboxTask.objects.all().delete()

    response = logged_in.patch(f"/api/v1/narratives/{narrative.pk}/", {"raw_text": "Changed."}, format="json")

    assert response.status_code == 200
    assert response.json()["embedding_status"] == "pending"
    narrative.refresh_from_db()
    assert narrative.embedding is None
    assert OutboxTask.objects.get().payload == {"narrative_id": str(narrative.pk)}


def test_a_bad_patch_writes_nothing(logged_in, subject):
    narrative = write(subject, "Original.", tags=["a"])

    response = logged_in.patch(
        f"/api/v1/narratives/{narrative.pk}/", {"raw_text": "New.", "tags": ["ok", "b@d"]}, format="json"
    )

    assert response.status_code == 400
    assert "tags" in response.json()["errors"]
    narrative.refresh_from_db()
    assert narrative.raw_text == "Original." and narrative.tags == ["a"]


def test_a_self_observation_cannot_become_a_curation_without_a_trait_path(logged_in, subject):
    narrative = write(subject)

    response = logged_in.patch(
        f"/api/v1/narratives/{narrative.pk}/", {"narrative_type": "curation"}, format="json"
    )

    assert response.status_code == 400
    assert "trait_path" in response.json()["errors"]


def test_delete_removes_the_narrative(logged_in, subject):
    narrative = write(subject)

    response = logged_in.delete(f"/api/v1/narratives/{narrative.pk}/")

    assert response.status_code == 204
    assert not Narrative.objects.exists()
    assert logged_in.get(f"/api/v1/narratives/{narrative.pk}/").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "    "},
        {"q": "x" * 501},
        {"q": "ok", "k": 0},
        {"q": "ok", "k": 51},
        {"q": "ok", "k": "many"},
        {"q": "ok", "type": "diary"},
        {"q": "ok", "tag": "t" * 51},
    ],
)
def test_bad_search_parameters_are_a_400(logged_in, subject, params):
    response = logged_in.get(f"{url(subject)}search", params)

    assert response.status_code == 400
    assert response.json()["detail"]
    assert response.json()["errors"]


# --------------------------------------------------------------------------- ownership


@pytest.fixture
def theirs(other_user):
    subject = own_subject(other_user)
    return {"subject": subject.pk, "narrative": write(subject, "Their secret.").pk}


ENDPOINTS = [
    ("get", "/api/v1/subjects/{subject}/narratives/", None),
    (
        "post",
        "/api/v1/subjects/{subject}/narratives/",
        {"narrative_type": "self_observation", "raw_text": "Mine!"},
    ),
    ("get", "/api/v1/subjects/{subject}/narratives/search?q=secret", None),
    ("get", "/api/v1/narratives/{narrative}/", None),
    ("patch", "/api/v1/narratives/{narrative}/", {"raw_text": "Overwritten."}),
    ("delete", "/api/v1/narratives/{narrative}/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_another_users_subject_or_narrative_is_a_404(logged_in, theirs, method, path, body):
    response = getattr(logged_in, method)(path.format(**theirs), body, format="json")

    assert response.status_code == 404
    assert Narrative.objects.get().raw_text == "Their secret."


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_anonymous_callers_are_refused(api_client, theirs, method, path, body):
    response = getattr(api_client, method)(path.format(**theirs), body, format="json")

    assert response.status_code in (401, 403)
    assert Narrative.objects.get().raw_text == "Their secret."


def test_staff_see_every_subjects_narratives(api_client, theirs, user):
    user.is_staff = True
    user.save()
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/narratives/{theirs['narrative']}/")

    assert response.status_code == 200
