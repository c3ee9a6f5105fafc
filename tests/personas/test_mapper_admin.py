"""Mapper admin: JSON editor validated on save through the services, activation button and
action, dry run against a subject, mean rating per version; the feedback admin."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import subject_get_or_create_for_user
from personas.models import MapperConfig
from tests.factories import UserFactory
from tests.personas import mapper_fixtures as fx

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/personas/mapperconfig/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change_url(mapper: MapperConfig) -> str:
    return f"{CHANGELIST}{mapper.pk}/change/"


def test_the_add_form_creates_the_next_version_as_a_draft(admin_client):
    fx.mapper(active=True)
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {
            "config_id": "test-mapper",
            "persona_ttl_hours": 12,
            "configuration": json.dumps(fx.configuration()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = MapperConfig.objects.get(config_id="test-mapper", version=2)
    assert created.status == "draft"
    assert created.persona_ttl_hours == 12
    assert created.created_by is not None


def test_an_invalid_configuration_shows_errors_by_path_and_saves_nothing(admin_client):
    bad = fx.configuration()
    bad["rules"][0]["conditions"]["all"][0]["operator"] = "about"
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {"config_id": "test-mapper", "persona_ttl_hours": 24, "configuration": json.dumps(bad)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "rules.0.conditions.all.0.operator: &#x27;about&#x27; is not allowed" in html
    assert MapperConfig.objects.count() == 0

    broken = admin_client.post(
        f"{CHANGELIST}add/",
        {"config_id": "test-mapper", "persona_ttl_hours": 24, "configuration": "{not json"},
    )
    assert broken.status_code == 200
    assert "Enter a valid JSON" in broken.content.decode()
    assert "{not json" in broken.content.decode()  # the text is kept for fixing
    assert MapperConfig.objects.count() == 0


def test_a_zero_ttl_is_a_form_error(admin_client):
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {"config_id": "test-mapper", "persona_ttl_hours": 0, "configuration": json.dumps(fx.configuration())},
    )
    assert response.status_code == 200
    assert "A whole number of hours from 1 to" in response.content.decode()
    assert MapperConfig.objects.count() == 0


def test_the_editor_shows_pretty_printed_json_in_a_monospace_textarea(admin_client):
    mapper = fx.mapper()
    html = admin_client.get(change_url(mapper)).content.decode()
    assert 'class="mapper-json-editor"' in html
    assert "css/personas/admin_mappers.css" in html
    assert "{\n  &quot;metadata&quot;: {\n    &quot;name&quot;: &quot;Test mapper&quot;" in html


def test_a_draft_is_edited_in_place(admin_client):
    draft = fx.mapper()
    edited = fx.configuration(metadata={"name": "Edited"})
    response = admin_client.post(
        change_url(draft), {"persona_ttl_hours": 6, "configuration": json.dumps(edited)}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.configuration["metadata"]["name"] == "Edited"
    assert draft.persona_ttl_hours == 6
    assert MapperConfig.objects.count() == 1


def test_editing_an_active_version_saves_a_new_draft_version(admin_client):
    active = fx.mapper(active=True)
    edited = fx.configuration(metadata={"name": "Edited"})
    response = admin_client.post(
        change_url(active), {"persona_ttl_hours": 24, "configuration": json.dumps(edited)}
    )

    new = MapperConfig.objects.get(config_id="test-mapper", version=2)
    assert response.status_code == 302
    assert response["Location"] == change_url(new)
    assert new.status == "draft" and new.configuration["metadata"]["name"] == "Edited"
    active.refresh_from_db()
    assert active.status == "active" and active.configuration == fx.configuration()


def test_the_status_cannot_be_typed_in(admin_client):
    fx.mapper(active=True)
    draft = fx.mapper()
    admin_client.post(
        change_url(draft),
        {"persona_ttl_hours": 24, "configuration": json.dumps(fx.configuration()), "status": "active"},
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_activate_button_uses_the_service(admin_client):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper()
    assert f"{CHANGELIST}{v2.pk}/activate/" in admin_client.get(change_url(v2)).content.decode()

    response = admin_client.post(f"{CHANGELIST}{v2.pk}/activate/", follow=True)

    assert "Activated test-mapper v2; v1 is deprecated." in response.content.decode()
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("deprecated", "active")
    assert admin_client.get(f"{CHANGELIST}{v1.pk}/activate/").status_code == 405


def test_the_deprecate_button(admin_client):
    v1 = fx.mapper(active=True)
    response = admin_client.post(f"{CHANGELIST}{v1.pk}/deprecate/", follow=True)
    assert "has no active version now" in response.content.decode()
    v1.refresh_from_db()
    assert v1.status == "deprecated"


def test_the_activate_action_refuses_two_versions_of_one_mapper(admin_client):
    v1 = fx.mapper()
    v2 = fx.mapper()
    response = admin_client.post(
        CHANGELIST, {"action": "activate_selected", "_selected_action": [v1.pk, v2.pk]}, follow=True
    )
    assert "Choose at most one version per mapper" in response.content.decode()
    assert not MapperConfig.objects.filter(status="active").exists()

    admin_client.post(CHANGELIST, {"action": "activate_selected", "_selected_action": [v2.pk]})
    v2.refresh_from_db()
    assert v2.status == "active"


def test_lifecycle_urls_are_staff_only(client, user):
    draft = fx.mapper()
    client.force_login(user)
    response = client.post(f"{CHANGELIST}{draft.pk}/activate/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_dry_run_against_a_subject_on_the_change_page(admin_client, user):
    mapper = fx.mapper(active=True)
    subject = fx.subject_with_mindscape(user)

    html = admin_client.get(f"{change_url(mapper)}?dry_run_subject={subject.pk}").content.decode()

    assert "2 of 2 rules fired" in html
    assert "big_five.openness.score = 78.4 ≥ 60 ✓" in html
    assert "Curious (78.4/100)" in html
    assert f'<option value="{subject.pk}">' in html  # offered in the picker


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not-a-uuid", "That is not a subject id"),
        ("00000000-0000-0000-0000-000000000000", "has no mindscape yet"),
    ],
)
def test_dry_run_explains_a_bad_subject(admin_client, value, message):
    mapper = fx.mapper()
    html = admin_client.get(f"{change_url(mapper)}?dry_run_subject={value}").content.decode()
    assert message in html


def test_mean_rating_per_version_on_the_list_and_the_change_page(admin_client, user):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper(active=True)
    subject = subject_get_or_create_for_user(user=user)
    for rating in (4, 5):
        fx.feedback_on(fx.persona_for(subject, v2), rating=rating, helpful=True)
    fx.feedback_on(fx.persona_for(subject, v1), rating=2)

    listing = admin_client.get(CHANGELIST).content.decode()
    assert "4.50" in listing and "2.00" in listing

    fx.feedback_on(fx.persona_for(subject, v2), rating=3, rule_id="quiet")
    fx.feedback_on(fx.persona_for(subject, v2), rating=1, helpful=False, rule_id="quiet")
    page = admin_client.get(change_url(v2)).content.decode()
    assert 'id="feedback-by-rule"' in page
    assert "<code>quiet</code>" in page and "2.00" in page
    assert "Mean rating <strong>3.25 / 5</strong> from 4 rating(s); 2 helpful" in page
    assert "/staff/feedback/?config_id=test-mapper&amp;mapper_version=2" in page
    assert 'id="versions"' in page


def test_the_list_costs_the_same_queries_for_more_versions(admin_client, user):
    subject = subject_get_or_create_for_user(user=user)
    fx.feedback_on(fx.persona_for(subject, fx.mapper(active=True)), rating=3)
    admin_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)
    for _ in range(5):
        fx.feedback_on(fx.persona_for(subject, fx.mapper(active=True)), rating=4)
    with CaptureQueriesContext(connection) as more:
        admin_client.get(CHANGELIST)
    assert len(more) == len(few)


def test_the_feedback_admin_lists_and_filters(admin_client, user):
    mapper = fx.mapper(active=True)
    persona = fx.persona_for(subject_get_or_create_for_user(user=user), mapper)
    feedback = fx.feedback_on(persona, rating=5, comment="Very like me")
    fx.feedback_on(persona, rating=1, comment="Not me at all")

    html = admin_client.get("/admin/personas/feedback/?rating=5").content.decode()
    assert "Very like me" in html and "Not me at all" not in html
    assert admin_client.get(f"/admin/personas/feedback/{feedback.pk}/change/").status_code == 200
    assert admin_client.get("/admin/personas/feedback/add/").status_code == 403
    assert 'href="/staff/feedback/"' in html and 'href="/api/v1/feedback/export.csv"' in html
