"""The narratives admin validates with the services' limits and saves through them."""

from __future__ import annotations

import pytest

from personai.outbox import OutboxTask
from personas.models import Narrative, TraitNarrativeLink
from personas.services import narratives as services
from tests.factories import UserFactory
from tests.personas.narrative_factories import own_subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def narrative(user):
    return services.narrative_create(
        subject=own_subject(user), narrative_type="self_observation", raw_text="I like lists.", tags=["work"]
    )


def form(subject, **fields):
    data = {
        "subject": str(subject.pk),
        "narrative_type": "self_observation",
        "raw_text": "Written in the admin.",
        "curated_text": "",
        "tags": "Focus, mornings",
        "context": "{}",
        "trait_path": "",
        "curation_action": "null",
        "source": "admin",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("model", ["narrative", "traitnarrativelink"])
def test_the_lists_and_forms_render(admin_client, narrative, model):
    TraitNarrativeLink.objects.create(narrative=narrative, trait_path="disc.d.score", link_type="supports")
    obj = narrative if model == "narrative" else TraitNarrativeLink.objects.get()

    assert admin_client.get(f"/admin/personas/{model}/").status_code == 200
    assert admin_client.get(f"/admin/personas/{model}/add/").status_code == 200
    assert admin_client.get(f"/admin/personas/{model}/{obj.pk}/change/").status_code == 200


def test_adding_a_narrative_goes_through_the_service(admin_client, user):
    subject = own_subject(user)

    response = admin_client.post("/admin/personas/narrative/add/", form(subject))

    assert response.status_code == 302, response.content.decode()[:2000]
    narrative = Narrative.objects.get()
    assert narrative.tags == ["focus", "mornings"]
    assert OutboxTask.objects.get().payload == {"narrative_id": str(narrative.pk)}


def test_the_admin_refuses_what_the_api_refuses(admin_client, user):
    subject = own_subject(user)

    response = admin_client.post(
        "/admin/personas/narrative/add/", form(subject, narrative_type="curation", tags="ok, b@d")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"tags", "trait_path"}
    assert not Narrative.objects.exists()


def test_changing_the_text_in_the_admin_enqueues_a_new_embedding(admin_client, narrative):
    OutboxTask.objects.all().delete()

    response = admin_client.post(
        f"/admin/personas/narrative/{narrative.pk}/change/", form(narrative.subject, raw_text="New words.")
    )

    assert response.status_code == 302
    narrative.refresh_from_db()
    assert narrative.raw_text == "New words."
    assert OutboxTask.objects.count() == 1


def test_the_reembed_action_enqueues(admin_client, narrative):
    OutboxTask.objects.all().delete()

    admin_client.post(
        "/admin/personas/narrative/", {"action": "reembed_selected", "_selected_action": [str(narrative.pk)]}
    )

    assert OutboxTask.objects.get().payload == {"narrative_id": str(narrative.pk)}


def test_links_are_accepted_in_bulk_and_duplicates_refused(admin_client, narrative):
    link = TraitNarrativeLink.objects.create(
        narrative=narrative, trait_path="disc.d.score", link_type="supports", status="suggested"
    )

    admin_client.post(
        "/admin/personas/traitnarrativelink/",
        {"action": "accept_selected", "_selected_action": [str(link.pk)]},
    )
    duplicate = admin_client.post(
        "/admin/personas/traitnarrativelink/add/",
        {
            "narrative": str(narrative.pk),
            "trait_path": "disc.d.score",
            "link_type": "supports",
            "status": "accepted",
            "confidence": "",
            "metadata": "{}",
        },
    )
    added = admin_client.post(
        "/admin/personas/traitnarrativelink/add/",
        {
            "narrative": str(narrative.pk),
            "trait_path": "disc.i.score",
            "link_type": "contradicts",
            "status": "accepted",
            "confidence": "0.4",
            "metadata": "{}",
        },
    )

    link.refresh_from_db()
    assert link.status == "accepted"
    assert duplicate.status_code == 200
    assert added.status_code == 302
    assert TraitNarrativeLink.objects.get(trait_path="disc.i.score").confidence == 0.4
