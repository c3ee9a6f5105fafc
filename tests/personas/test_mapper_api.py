"""Mapper API: list, create (staff), detail with stats, lifecycle (staff), dry run; ownership."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assessments.services import subject_get_or_create_for_user
from personas.models import MapperConfig
from tests.factories import UserFactory
from tests.personas import mapper_fixtures as fx

ANONYMOUS_REFUSED = (401, 403)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# --------------------------------------------------------------------------- list and detail


def test_users_see_active_versions_and_staff_see_every_version(user, staff):
    fx.mapper(active=True)
    fx.mapper()  # v2 draft
    fx.mapper("other", active=True)

    mine = client_for(user).get("/api/v1/mappers/")
    everything = client_for(staff).get("/api/v1/mappers/")

    assert mine.status_code == 200
    assert [(m["config_id"], m["version"], m["status"]) for m in mine.json()["results"]] == [
        ("other", 1, "active"),
        ("test-mapper", 1, "active"),
    ]
    assert [(m["config_id"], m["version"]) for m in everything.json()["results"]] == [
        ("other", 1),
        ("test-mapper", 2),
        ("test-mapper", 1),
    ]
    summary = mine.json()["results"][1]
    assert summary["name"] == "Test mapper"
    assert summary["rule_count"] == 2
    assert summary["usage_count"] == 0
    assert summary["mean_rating"] is None


def test_list_filters_by_status_and_refuses_an_unknown_status(staff):
    fx.mapper(active=True)
    fx.mapper()
    drafts = client_for(staff).get("/api/v1/mappers/?status=draft").json()["results"]
    assert [m["version"] for m in drafts] == [2]
    for query in ("status=live", "status="):
        response = client_for(staff).get(f"/api/v1/mappers/?{query}")
        assert response.status_code == 400
        assert "status" in response.json()["errors"]


def test_anonymous_sees_nothing(db):
    mapper = fx.mapper(active=True)
    anonymous = client_for(None)
    assert anonymous.get("/api/v1/mappers/").status_code in ANONYMOUS_REFUSED
    assert anonymous.get(f"/api/v1/mappers/{mapper.pk}/").status_code in ANONYMOUS_REFUSED
    assert anonymous.post(
        f"/api/v1/mappers/{mapper.pk}/dry-run/", {"traits": {}}, format="json"
    ).status_code in (ANONYMOUS_REFUSED)


def test_detail_has_usage_count_and_feedback_stats(user, staff):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper(active=True)
    subject = subject_get_or_create_for_user(user=user)
    persona = fx.persona_for(subject, v2)
    fx.feedback_on(persona, rating=5, helpful=True)
    fx.feedback_on(persona, rating=2, helpful=False)
    fx.feedback_on(persona, comment="no rating")
    fx.feedback_on(fx.persona_for(subject, v1), rating=1)
    MapperConfig.objects.filter(pk=v2.pk).update(usage_count=7)

    body = client_for(user).get(f"/api/v1/mappers/{v2.pk}/").json()

    assert body["usage_count"] == 7
    assert body["configuration"] == fx.configuration()
    assert body["feedback"] == {
        "mean_rating": 3.5,
        "rating_count": 2,
        "feedback_count": 3,
        "helpful_count": 1,
        "not_helpful_count": 1,
    }
    assert body["mean_rating"] == 3.5
    listed = {m["version"]: m for m in client_for(staff).get("/api/v1/mappers/").json()["results"]}
    assert (listed[2]["mean_rating"], listed[2]["rating_count"]) == (3.5, 2)
    assert (listed[1]["mean_rating"], listed[1]["rating_count"]) == (1.0, 1)


def test_feedback_counts_for_a_version_whose_persona_lost_its_mapper_link(user):
    mapper = fx.mapper(active=True)
    subject = subject_get_or_create_for_user(user=user)
    orphan = fx.persona_for(subject, None, mapper_config_id="test-mapper", mapper_version=1)
    fx.feedback_on(orphan, rating=4)
    assert client_for(user).get(f"/api/v1/mappers/{mapper.pk}/").json()["feedback"]["mean_rating"] == 4.0


def test_who_activated_a_version_is_for_staff_only(user, staff):
    draft = fx.mapper()
    client_for(staff).post(f"/api/v1/mappers/{draft.pk}/activate/")
    metadata = client_for(staff).get(f"/api/v1/mappers/{draft.pk}/").json()["metadata"]
    assert metadata["activated_by"] == str(staff.pk)
    seen = client_for(user).get(f"/api/v1/mappers/{draft.pk}/").json()["metadata"]
    assert "activated_by" not in seen and "activated_at" in seen


def test_a_user_cannot_see_a_draft(user):
    draft = fx.mapper()
    assert client_for(user).get(f"/api/v1/mappers/{draft.pk}/").status_code == 404


# --------------------------------------------------------------------------- create


def test_staff_create_a_draft_version(staff):
    fx.mapper(active=True)
    response = client_for(staff).post(
        "/api/v1/mappers/",
        {"config_id": "test-mapper", "configuration": fx.configuration(), "persona_ttl_hours": 12},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["status"], body["persona_ttl_hours"]) == (2, "draft", 12)
    assert MapperConfig.objects.get(pk=body["id"]).created_by == staff


def test_an_invalid_configuration_is_a_400_by_json_path_and_nothing_is_written(staff):
    bad = fx.configuration()
    bad["rules"][2:] = [
        {
            "id": "third",
            "conditions": {"all": [{"type": "trait_check", "trait": "x.y", "operator": "like", "value": 1}]},
            "actions": [{"type": "suggestion", "template": "t"}],
        }
    ]
    bad["rules"][0]["conditions"]["all"].append(
        {"type": "trait_check", "trait": "big_five.x.score", "operator": "between", "value": [70, 30]}
    )

    response = client_for(staff).post(
        "/api/v1/mappers/", {"config_id": "test-mapper", "configuration": bad}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The mapper configuration is invalid."
    errors = body["errors"]["configuration"]
    assert set(errors) == {"rules.2.conditions.all.0.operator", "rules.0.conditions.all.1.value"}
    assert errors["rules.0.conditions.all.1.value"] == ["'between' needs low ≤ high; got [70, 30]."]
    assert MapperConfig.objects.count() == 0


def test_create_refuses_a_body_that_is_not_a_configuration(staff):
    response = client_for(staff).post(
        "/api/v1/mappers/", {"config_id": "test-mapper", "configuration": "rules"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["configuration"] == {"$": ["Must be an object."]}
    missing = client_for(staff).post("/api/v1/mappers/", {"configuration": fx.configuration()}, format="json")
    assert missing.status_code == 400
    assert "config_id" in missing.json()["errors"]
    assert MapperConfig.objects.count() == 0


def test_normal_users_cannot_create(user):
    response = client_for(user).post(
        "/api/v1/mappers/", {"config_id": "test-mapper", "configuration": fx.configuration()}, format="json"
    )
    assert response.status_code == 403
    assert MapperConfig.objects.count() == 0


def test_anonymous_cannot_create(db):
    response = client_for(None).post(
        "/api/v1/mappers/", {"config_id": "test-mapper", "configuration": fx.configuration()}, format="json"
    )
    assert response.status_code in ANONYMOUS_REFUSED
    assert MapperConfig.objects.count() == 0


# --------------------------------------------------------------------------- lifecycle


def test_staff_activate_v2_which_deprecates_v1(staff):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper()

    response = client_for(staff).post(f"/api/v1/mappers/{v2.pk}/activate/")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    v1.refresh_from_db()
    assert v1.status == "deprecated"


def test_staff_deprecate(staff):
    v1 = fx.mapper(active=True)
    response = client_for(staff).post(f"/api/v1/mappers/{v1.pk}/deprecate/")
    assert response.status_code == 200
    assert response.json()["status"] == "deprecated"


@pytest.mark.parametrize("action", ["activate", "deprecate"])
def test_normal_users_cannot_change_the_lifecycle(user, action):
    active = fx.mapper(active=True)
    draft = fx.mapper()
    for mapper in (active, draft):
        response = client_for(user).post(f"/api/v1/mappers/{mapper.pk}/{action}/")
        assert response.status_code == 403
    statuses = set(MapperConfig.objects.values_list("version", "status"))
    assert statuses == {(1, "active"), (2, "draft")}


@pytest.mark.parametrize("action", ["activate", "deprecate"])
def test_anonymous_cannot_change_the_lifecycle(db, action):
    draft = fx.mapper()
    assert client_for(None).post(f"/api/v1/mappers/{draft.pk}/{action}/").status_code in ANONYMOUS_REFUSED


def test_lifecycle_of_a_missing_version_is_a_404(staff):
    assert (
        client_for(staff).post("/api/v1/mappers/00000000-0000-0000-0000-000000000000/activate/").status_code
        == 404
    )


# --------------------------------------------------------------------------- dry run


def test_dry_run_against_my_own_subject_explains_the_rules(user):
    mapper = fx.mapper(active=True)
    subject = fx.subject_with_mindscape(user)

    response = client_for(user).post(
        f"/api/v1/mappers/{mapper.pk}/dry-run/", {"subject_id": str(subject.pk)}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["source"] == "subject"
    assert body["subject_id"] == str(subject.pk)
    assert body["mindscape_version"] == 1
    assert body["evaluation"]["fired_rule_ids"] == ["open-mind", "quiet"]
    first = body["evaluation"]["outcomes"][0]
    assert first["reasons"] == ["big_five.openness.score = 78.4 ≥ 60 ✓"]
    assert first["actions"] == [
        {"type": "template", "category": "voice", "text": "Curious (78.4/100)", "priority": "high"}
    ]
    assert body["guidance"]["energises"] == [
        {"type": "suggestion", "category": "energises", "text": "Quiet time", "priority": "medium"}
    ]
    mapper.refresh_from_db()
    assert mapper.usage_count == 0  # a dry run is not a use


def test_dry_run_with_inline_traits(user):
    mapper = fx.mapper(active=True)
    response = client_for(user).post(
        f"/api/v1/mappers/{mapper.pk}/dry-run/",
        {"traits": {"big_five": {"extraversion": {"score": 80}}}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "traits"
    assert body["evaluation"]["fired_count"] == 0
    outcomes = {o["rule_id"]: o for o in body["evaluation"]["outcomes"]}
    assert outcomes["open-mind"]["reasons"] == ["big_five.openness.score is missing ✗"]
    assert outcomes["quiet"]["reasons"] == ["big_five.extraversion.score = 80 ≤ 40 ✗"]


def test_dry_run_for_another_users_subject_is_a_404(user, other_user):
    mapper = fx.mapper(active=True)
    theirs = fx.subject_with_mindscape(other_user)
    response = client_for(user).post(
        f"/api/v1/mappers/{mapper.pk}/dry-run/", {"subject_id": str(theirs.pk)}, format="json"
    )
    assert response.status_code == 404


def test_staff_dry_run_drafts_against_any_subject(staff, other_user):
    draft = fx.mapper()
    theirs = fx.subject_with_mindscape(other_user)
    response = client_for(staff).post(
        f"/api/v1/mappers/{draft.pk}/dry-run/", {"subject_id": str(theirs.pk)}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["evaluation"]["fired_count"] == 2


def test_a_user_cannot_dry_run_a_draft(user):
    draft = fx.mapper()
    response = client_for(user).post(f"/api/v1/mappers/{draft.pk}/dry-run/", {"traits": {}}, format="json")
    assert response.status_code == 404


def test_dry_run_of_a_subject_without_a_mindscape_says_why(user):
    mapper = fx.mapper(active=True)
    subject = subject_get_or_create_for_user(user=user)
    response = client_for(user).post(
        f"/api/v1/mappers/{mapper.pk}/dry-run/", {"subject_id": str(subject.pk)}, format="json"
    )
    assert response.status_code == 400
    assert "no scored results yet" in response.json()["detail"]
    assert "subject_id" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subject_id": "00000000-0000-0000-0000-000000000000", "traits": {}},
        {"traits": [1, 2]},
        {"subject_id": "nope"},
    ],
)
def test_dry_run_needs_exactly_one_valid_source(user, body):
    mapper = fx.mapper(active=True)
    response = client_for(user).post(f"/api/v1/mappers/{mapper.pk}/dry-run/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_endpoints_are_in_the_openapi_schema(staff):
    client = APIClient()
    client.force_login(staff)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for url in (
        "/api/v1/mappers/",
        "/api/v1/mappers/{mapper_id}/",
        "/api/v1/mappers/{mapper_id}/activate/",
        "/api/v1/mappers/{mapper_id}/deprecate/",
        "/api/v1/mappers/{mapper_id}/dry-run/",
        "/api/v1/feedback/",
        "/api/v1/feedback/export.csv",
    ):
        assert url in paths, url
