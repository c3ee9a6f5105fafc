"""Trait–narrative links: suggested from the embedding (real model), accepted or rejected by the
owner, and made by hand through the API."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from personas.models import TraitNarrativeLink
from personas.services import narratives as services
from tests.personas.narrative_factories import own_subject, run_embed_tasks

pytestmark = pytest.mark.django_db

ANXIOUS = "I worry a lot about things going wrong and feel nervous before meetings."


@pytest.fixture
def instruments(settings):
    settings.EMBEDDING_BASE_URL = ""  # the real in-process model
    services.clear_description_cache()
    call_command("load_instruments", stdout=StringIO(), stderr=StringIO())


def write(user, text=ANXIOUS):
    return services.narrative_create(
        subject=own_subject(user), narrative_type="self_observation", raw_text=text, created_by=user
    )


def suggested(narrative):
    return list(narrative.links.filter(status="suggested").order_by("-confidence"))


def test_embedding_suggests_the_nearest_traits(user, instruments):
    narrative = write(user)
    run_embed_tasks()

    links = suggested(narrative)
    assert 1 <= len(links) <= services.MAX_SUGGESTIONS
    assert links[0].trait_path == "big_five.neuroticism.facets.n1_anxiety.score"
    assert all(link.link_type == "supports" for link in links)
    assert all(services.SUGGESTION_THRESHOLD <= link.confidence <= 1 for link in links)
    assert [link.confidence for link in links] == sorted((link.confidence for link in links), reverse=True)
    assert links[0].metadata["model"] == "all-MiniLM-L6-v2"
    assert links[0].metadata["trait"] == "Anxiety"


def test_description_paths_follow_the_mindscape_layout(instruments):
    paths = {description.path for description in services.trait_descriptions()}

    assert "big_five.openness.score" in paths
    assert "big_five.extraversion.facets.e2_gregariousness.score" in paths
    assert {"disc.d.score", "disc.i.score", "disc.s.score", "disc.c.score"} <= paths
    assert all(not path.startswith("questionnaires.") for path in paths)


def test_suggesting_again_creates_no_duplicates_and_keeps_the_owners_decisions(user, instruments):
    narrative = write(user)
    run_embed_tasks()
    first = suggested(narrative)
    services.trait_link_update(link=first[0], status="rejected")

    services.narrative_request_reembed(narrative_ids=[narrative.pk])
    run_embed_tasks()

    assert narrative.links.count() == len(first)
    assert narrative.links.get(pk=first[0].pk).status == "rejected"


def test_a_new_text_drops_open_suggestions_but_keeps_accepted_links(user, instruments):
    narrative = write(user)
    run_embed_tasks()
    keep, *others = suggested(narrative)
    services.trait_link_update(link=keep, status="accepted")

    services.narrative_update(narrative=narrative, raw_text="I love big parties and meeting new people.")

    assert list(narrative.links.values_list("pk", flat=True)) == [keep.pk]
    run_embed_tasks()
    assert narrative.links.filter(trait_path__contains="gregariousness").exists()


def test_without_trait_descriptions_nothing_is_suggested(user, settings):
    settings.EMBEDDING_BASE_URL = ""
    narrative = write(user)
    run_embed_tasks()

    narrative.refresh_from_db()
    assert narrative.embedding is not None
    assert narrative.links.count() == 0


# --------------------------------------------------------------------------- API


@pytest.fixture
def narrative(user):
    return write(user, "Weekends I climb peaks and walk trails.")


@pytest.fixture
def logged_in(api_client, user):
    api_client.force_login(user)
    return api_client


def test_a_link_made_by_hand_is_accepted(logged_in, narrative):
    response = logged_in.post(
        f"/api/v1/narratives/{narrative.pk}/links/",
        {
            "trait_path": "big_five.openness.score",
            "link_type": "supports",
            "confidence": 0.8,
            "metadata": {"why": "x"},
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "accepted"
    assert body["trait_path"] == "big_five.openness.score"
    assert body["confidence"] == 0.8
    assert body["metadata"]["why"] == "x"
    listed = logged_in.get(f"/api/v1/narratives/{narrative.pk}/links/").json()
    assert [link["id"] for link in listed] == [body["id"]]
    detail = logged_in.get(f"/api/v1/narratives/{narrative.pk}/").json()
    assert [link["id"] for link in detail["links"]] == [body["id"]]


def test_the_same_link_twice_is_a_409(logged_in, narrative):
    body = {"trait_path": "big_five.openness.score", "link_type": "supports"}
    assert logged_in.post(f"/api/v1/narratives/{narrative.pk}/links/", body, format="json").status_code == 201

    response = logged_in.post(f"/api/v1/narratives/{narrative.pk}/links/", body, format="json")

    assert response.status_code == 409
    assert "already" in response.json()["detail"]
    assert TraitNarrativeLink.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trait_path": "big_five.openness.score", "link_type": "supports", "confidence": 1.5}, "confidence"),
        (
            {"trait_path": "big_five.openness.score", "link_type": "supports", "confidence": -0.1},
            "confidence",
        ),
        ({"trait_path": "Big Five/openness", "link_type": "supports"}, "trait_path"),
        ({"trait_path": "", "link_type": "supports"}, "trait_path"),
        ({"trait_path": "big_five.openness.score", "link_type": "likes"}, "link_type"),
        ({"trait_path": "big_five.openness.score", "link_type": "supports", "metadata": [1]}, "metadata"),
    ],
)
def test_bad_links_are_a_400_by_field(logged_in, narrative, body, field):
    response = logged_in.post(f"/api/v1/narratives/{narrative.pk}/links/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert TraitNarrativeLink.objects.count() == 0


def test_the_owner_accepts_and_rejects_suggestions(logged_in, narrative):
    link = TraitNarrativeLink.objects.create(
        narrative=narrative,
        trait_path="disc.d.score",
        link_type="supports",
        confidence=0.3,
        status="suggested",
    )

    accepted = logged_in.patch(f"/api/v1/trait-links/{link.pk}/", {"status": "accepted"}, format="json")
    rejected = logged_in.patch(f"/api/v1/trait-links/{link.pk}/", {"status": "rejected"}, format="json")
    bad = logged_in.patch(f"/api/v1/trait-links/{link.pk}/", {"status": "maybe"}, format="json")

    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    link.refresh_from_db()
    assert link.status == "rejected"
    assert link.confidence == 0.3


def test_a_link_can_be_deleted(logged_in, narrative):
    link = TraitNarrativeLink.objects.create(
        narrative=narrative, trait_path="disc.d.score", link_type="supports"
    )

    response = logged_in.delete(f"/api/v1/trait-links/{link.pk}/")

    assert response.status_code == 204
    assert not TraitNarrativeLink.objects.exists()
    assert logged_in.get(f"/api/v1/trait-links/{link.pk}/").status_code == 404


def test_links_of_another_users_narrative_are_404(api_client, other_user, narrative):
    link = TraitNarrativeLink.objects.create(
        narrative=narrative, trait_path="disc.d.score", link_type="supports"
    )
    api_client.force_login(other_user)

    responses = [
        api_client.get(f"/api/v1/narratives/{narrative.pk}/links/"),
        api_client.post(
            f"/api/v1/narratives/{narrative.pk}/links/",
            {"trait_path": "disc.i.score", "link_type": "supports"},
            format="json",
        ),
        api_client.get(f"/api/v1/trait-links/{link.pk}/"),
        api_client.patch(f"/api/v1/trait-links/{link.pk}/", {"status": "rejected"}, format="json"),
        api_client.delete(f"/api/v1/trait-links/{link.pk}/"),
    ]

    assert [response.status_code for response in responses] == [404] * 5
    link.refresh_from_db()
    assert link.status == "accepted"
    assert TraitNarrativeLink.objects.count() == 1


def test_anonymous_callers_get_nothing(api_client, narrative):
    link = TraitNarrativeLink.objects.create(
        narrative=narrative, trait_path="disc.d.score", link_type="supports"
    )

    codes = {
        api_client.get(f"/api/v1/narratives/{narrative.pk}/links/").status_code,
        api_client.patch(
            f"/api/v1/trait-links/{link.pk}/", {"status": "rejected"}, format="json"
        ).status_code,
        api_client.delete(f"/api/v1/trait-links/{link.pk}/").status_code,
    }

    assert codes <= {401, 403}
    assert TraitNarrativeLink.objects.get().status == "accepted"
