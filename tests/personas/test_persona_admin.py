"""Admin: personas are listed, shown read-only with their narratives, and failed ones retried."""

from __future__ import annotations

import pytest

from personas.models import Narrative, Persona, PersonaNarrativeUsage
from tests.factories import UserFactory
from tests.personas.persona_factories import make_mapper, make_persona, subject_with_mindscape

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_changelist_and_change_page_render(admin_client, user):
    subject = subject_with_mindscape(user)
    persona = make_persona(subject)
    narrative = Narrative.objects.create(
        subject=subject, narrative_type="self_observation", raw_text="I plan."
    )
    PersonaNarrativeUsage.objects.create(persona=persona, narrative=narrative, usage_type="grounding")

    assert admin_client.get("/admin/personas/persona/").status_code == 200
    html = admin_client.get(f"/admin/personas/persona/{persona.pk}/change/").content.decode()
    assert "You are a test persona." in html
    assert "I plan." in html  # the usage inline
    assert admin_client.get("/admin/personas/personanarrativeusage/").status_code == 200


def test_the_retry_action_queues_failed_personas_only(admin_client, user):
    make_mapper()
    subject = subject_with_mindscape(user)
    failed = make_persona(subject, status=Persona.Status.FAILED)
    ready = make_persona(subject)

    admin_client.post(
        "/admin/personas/persona/",
        {"action": "retry_failed", "_selected_action": [str(failed.pk), str(ready.pk)]},
    )

    failed.refresh_from_db()
    ready.refresh_from_db()
    assert failed.status == Persona.Status.GENERATING
    assert ready.status == Persona.Status.READY
