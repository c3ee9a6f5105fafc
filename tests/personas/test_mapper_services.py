"""Mapper versions: create as drafts, one active per config_id, atomic usage counting."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from personas.models import MapperConfig
from personas.selectors import mappers as selectors
from personas.services import mappers as services
from tests.personas import mapper_fixtures as fx


def run_in_threads(target, count: int = 2) -> list[BaseException]:
    barrier = threading.Barrier(count, timeout=10)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_create_stores_the_next_version_as_a_draft(user):
    first = fx.mapper(created_by=user)
    second = fx.mapper(created_by=user, persona_ttl_hours=6)

    assert (first.version, second.version) == (1, 2)
    assert first.status == second.status == MapperConfig.Status.DRAFT
    assert second.persona_ttl_hours == 6
    assert second.created_by == user
    assert fx.mapper("other-mapper").version == 1


def test_an_invalid_configuration_is_refused_by_path_and_nothing_is_written(db):
    bad = fx.configuration()
    bad["rules"][1]["conditions"]["all"][0]["operator"] = "roughly"
    bad["rules"][1]["id"] = "open-mind"

    with pytest.raises(services.MapperConfigInvalid) as caught:
        services.mapper_create(config_id="test-mapper", configuration=bad, created_by=None)

    errors = caught.value.errors["configuration"]
    assert "rules.1.conditions.all.0.operator" in errors
    assert "roughly" in errors["rules.1.conditions.all.0.operator"][0]
    assert errors["rules.1.id"] == ["Duplicate rule id 'open-mind' (also rule 0); rule ids must be unique."]
    assert MapperConfig.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("config_id", {"config_id": "Has Spaces"}),
        ("persona_ttl_hours", {"persona_ttl_hours": 0}),
        ("persona_ttl_hours", {"persona_ttl_hours": "24"}),
    ],
)
def test_bad_fields_are_refused_by_name(db, field, kwargs):
    arguments = {
        "config_id": "test-mapper",
        "configuration": fx.configuration(),
        "created_by": None,
        **kwargs,
    }
    with pytest.raises(services.MapperConfigInvalid) as caught:
        services.mapper_create(**arguments)
    assert field in caught.value.errors
    assert MapperConfig.objects.count() == 0


def test_activating_v2_deprecates_v1(db):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper()

    services.mapper_activate(mapper=v2)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == MapperConfig.Status.DEPRECATED
    assert v2.status == MapperConfig.Status.ACTIVE
    assert v1.metadata["replaced_by"] == 2
    assert "activated_at" in v2.metadata
    assert selectors.mapper_active("test-mapper") == v2
    assert MapperConfig.objects.filter(config_id="test-mapper", status="active").count() == 1


def test_activation_is_one_transaction(db, monkeypatch):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper()
    original_save = MapperConfig.save

    def failing_save(self, *args, **kwargs):
        if self.pk == v2.pk and self.status == MapperConfig.Status.ACTIVE:
            raise RuntimeError("the database went away mid-activation")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(MapperConfig, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.mapper_activate(mapper=v2)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == MapperConfig.Status.ACTIVE  # its deprecation was rolled back with the failure
    assert v2.status == MapperConfig.Status.DRAFT


def test_activating_the_active_version_changes_nothing(db):
    v1 = fx.mapper(active=True)
    again = services.mapper_activate(mapper=v1)
    assert again.status == MapperConfig.Status.ACTIVE
    assert again.metadata == MapperConfig.objects.get(pk=v1.pk).metadata


def test_activating_a_deprecated_version_rolls_back_to_it(db):
    v1 = fx.mapper(active=True)
    v2 = fx.mapper(active=True)
    services.mapper_activate(mapper=v1)
    v2.refresh_from_db()
    assert selectors.mapper_active("test-mapper").version == 1
    assert v2.status == MapperConfig.Status.DEPRECATED


def test_a_second_active_row_is_impossible_in_the_database(db):
    fx.mapper(active=True)
    with pytest.raises(IntegrityError, match="idx_mapper_configs_active"), transaction.atomic():
        MapperConfig.objects.create(
            config_id="test-mapper", version=9, configuration=fx.configuration(), status="active"
        )


def test_a_direct_attempt_at_a_second_active_is_refused_with_a_message(db):
    fx.mapper(active=True)
    v2 = fx.mapper()

    with pytest.raises(services.MapperConflict) as caught:
        services.mapper_save_status(mapper=v2, status=MapperConfig.Status.ACTIVE)

    assert caught.value.message.startswith("test-mapper already has an active version (v1)")
    assert "Activate the new version instead" in caught.value.message
    v2.refresh_from_db()
    assert v2.status == MapperConfig.Status.DRAFT


def test_activation_refuses_a_stored_invalid_configuration(db):
    broken = MapperConfig.objects.create(config_id="test-mapper", version=1, configuration={"rules": []})
    with pytest.raises(services.MapperConfigInvalid):
        services.mapper_activate(mapper=broken)
    broken.refresh_from_db()
    assert broken.status == MapperConfig.Status.DRAFT


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_activations_leave_exactly_one_active():
    fx.mapper(active=True)
    contenders = [fx.mapper(), fx.mapper()]

    errors = run_in_threads(lambda i: services.mapper_activate(mapper=contenders[i]))

    assert not errors, errors
    statuses = dict(MapperConfig.objects.filter(config_id="test-mapper").values_list("version", "status"))
    assert list(statuses.values()).count("active") == 1
    assert statuses[1] == "deprecated"
    assert sorted(statuses[v] for v in (2, 3)) == ["active", "deprecated"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_get_different_versions():
    versions: list[int] = []
    errors = run_in_threads(lambda i: versions.append(fx.mapper().version))
    assert not errors, errors
    assert sorted(versions) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_usage_count_is_incremented_atomically_by_two_threads():
    mapper = fx.mapper(active=True)
    stale = [MapperConfig.objects.get(pk=mapper.pk) for _ in range(2)]  # both read usage_count = 0

    errors = run_in_threads(lambda i: services.mapper_record_use(mapper=stale[i]))

    assert not errors, errors
    mapper.refresh_from_db()
    assert mapper.usage_count == 2


def test_deprecating_the_active_version_leaves_no_active_one(db):
    v1 = fx.mapper(active=True)
    services.mapper_deprecate(mapper=v1)
    assert selectors.mapper_active("test-mapper") is None
    assert services.mapper_deprecate(mapper=v1).status == MapperConfig.Status.DEPRECATED


def test_only_drafts_are_edited_in_place(db):
    draft = fx.mapper()
    edited = fx.configuration(metadata={"name": "Renamed"})
    services.mapper_update_draft(mapper=draft, configuration=edited, persona_ttl_hours=2)
    draft.refresh_from_db()
    assert draft.configuration["metadata"]["name"] == "Renamed"
    assert draft.persona_ttl_hours == 2

    services.mapper_activate(mapper=draft)
    with pytest.raises(services.MapperConflict, match="can no longer change"):
        services.mapper_update_draft(mapper=draft, configuration=fx.configuration())
