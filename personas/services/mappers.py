"""Writes: mapper configs (versioned rule sets) and their lifecycle draft → active → deprecated.

* ``mapper_create`` validates the configuration and stores it as the next version (a draft).
* ``mapper_activate`` deprecates the config's active version and activates this one in one
  transaction, with every row of the ``config_id`` locked; the partial unique index
  ``idx_mapper_configs_active`` makes a second active row impossible even for code that skips
  this service — and that attempt is turned into a readable :class:`MapperConflict`.
  Activating a deprecated version is a rollback to it.
* ``mapper_update_draft`` edits a draft in place; active and deprecated versions never change
  (edit them through ``mapper_create``, which makes a new version).
* ``mapper_record_use`` counts a persona generated with a mapper (``usage_count = F() + 1``).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from personas.mapper_schema import validate_configuration
from personas.models import MapperConfig

CONFIG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,254}$")
ACTIVE_INDEX = "idx_mapper_configs_active"
MAX_TTL_HOURS = 24 * 365


class MapperError(Exception):
    """Base of the mapper errors a person can act on; ``message`` is shown as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MapperConfigInvalid(MapperError):
    """The input is invalid: ``errors`` maps a field (or the configuration's JSON path) to messages.

    Configuration errors are nested under ``"configuration"`` (``{"configuration": {"rules.0.id": [...]}}``).
    """

    def __init__(self, errors: dict[str, Any]):
        super().__init__("The mapper configuration is invalid.")
        self.errors = errors


class MapperConflict(MapperError):
    """A lifecycle change the current state does not allow (HTTP 409)."""


def _check_input(
    *, config_id: str | None = None, configuration: Any = None, persona_ttl_hours: Any = None
) -> None:
    errors: dict[str, Any] = {}
    if config_id is not None and not CONFIG_ID_RE.match(config_id):
        errors["config_id"] = [
            "Use 1–255 lowercase letters, digits, '-' or '_', starting with a letter or digit."
        ]
    if persona_ttl_hours is not None and (
        not isinstance(persona_ttl_hours, int)
        or isinstance(persona_ttl_hours, bool)
        or not 1 <= persona_ttl_hours <= MAX_TTL_HOURS
    ):
        errors["persona_ttl_hours"] = [f"A whole number of hours from 1 to {MAX_TTL_HOURS}."]
    if configuration is not None:
        config_errors = validate_configuration(configuration)
        if config_errors:
            errors["configuration"] = config_errors
    if errors:
        raise MapperConfigInvalid(errors)


def lock_config_id(config_id: str) -> None:
    """Serialise version numbering and activation per config_id, even before its first row exists."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"personas.mapper:{config_id}"])


@transaction.atomic
def mapper_create(
    *,
    config_id: str,
    configuration: dict[str, Any],
    persona_ttl_hours: int = 24,
    created_by=None,
    metadata: dict[str, Any] | None = None,
) -> MapperConfig:
    """The next version of ``config_id`` as a draft. Invalid input raises MapperConfigInvalid and
    writes nothing."""
    _check_input(config_id=config_id, configuration=configuration, persona_ttl_hours=persona_ttl_hours)
    lock_config_id(config_id)
    latest = MapperConfig.objects.filter(config_id=config_id).aggregate(latest=Max("version"))["latest"]
    return MapperConfig.objects.create(
        config_id=config_id,
        version=(latest or 0) + 1,
        configuration=configuration,
        persona_ttl_hours=persona_ttl_hours,
        status=MapperConfig.Status.DRAFT,
        created_by=created_by,
        metadata=dict(metadata or {}),
    )


@transaction.atomic
def mapper_update_draft(
    *,
    mapper: MapperConfig,
    configuration: dict[str, Any] | None = None,
    persona_ttl_hours: int | None = None,
) -> MapperConfig:
    """Change a draft in place. Active and deprecated versions are immutable (MapperConflict)."""
    _check_input(configuration=configuration, persona_ttl_hours=persona_ttl_hours)
    locked = MapperConfig.objects.select_for_update().get(pk=mapper.pk)
    if locked.status != MapperConfig.Status.DRAFT:
        raise MapperConflict(
            f"{locked.config_id} v{locked.version} is {locked.status} and can no longer change; "
            "save your edits as a new version instead."
        )
    fields = []
    if configuration is not None:
        locked.configuration = configuration
        fields.append("configuration")
    if persona_ttl_hours is not None:
        locked.persona_ttl_hours = persona_ttl_hours
        fields.append("persona_ttl_hours")
    if fields:
        locked.save(update_fields=fields)
    return locked


def mapper_activate(*, mapper: MapperConfig, activated_by=None) -> MapperConfig:
    """Make ``mapper`` the active version of its config_id, deprecating the one active before,
    in one transaction. Already active → unchanged."""
    try:
        with transaction.atomic():
            lock_config_id(mapper.config_id)
            rows = {
                row.pk: row
                for row in MapperConfig.objects.select_for_update().filter(config_id=mapper.config_id)
            }
            target = rows.get(mapper.pk)
            if target is None:
                raise MapperConflict("This mapper version no longer exists.")
            if target.status == MapperConfig.Status.ACTIVE:
                return target
            problems = validate_configuration(target.configuration)
            if problems:
                raise MapperConfigInvalid({"configuration": problems})
            now = timezone.now()
            for row in rows.values():
                if row.status == MapperConfig.Status.ACTIVE:
                    row.status = MapperConfig.Status.DEPRECATED
                    row.metadata = {
                        **row.metadata,
                        "deprecated_at": now.isoformat(),
                        "replaced_by": target.version,
                    }
                    row.save(update_fields=["status", "metadata"])
            target.status = MapperConfig.Status.ACTIVE
            target.metadata = {
                **target.metadata,
                "activated_at": now.isoformat(),
                **({"activated_by": str(activated_by.pk)} if activated_by is not None else {}),
            }
            target.save(update_fields=["status", "metadata"])
            return target
    except IntegrityError as exc:
        raise _active_conflict(mapper.config_id, exc) from exc


@transaction.atomic
def mapper_deprecate(*, mapper: MapperConfig) -> MapperConfig:
    """Retire a version. Deprecating the active one leaves its config_id without an active mapper
    (persona generation then says so) until another version is activated."""
    locked = MapperConfig.objects.select_for_update().get(pk=mapper.pk)
    if locked.status == MapperConfig.Status.DEPRECATED:
        return locked
    locked.status = MapperConfig.Status.DEPRECATED
    locked.metadata = {**locked.metadata, "deprecated_at": timezone.now().isoformat()}
    locked.save(update_fields=["status", "metadata"])
    return locked


def mapper_record_use(*, mapper: MapperConfig) -> None:
    """Count one use of ``mapper`` atomically in the database (no lost updates between workers)."""
    MapperConfig.objects.filter(pk=mapper.pk).update(usage_count=F("usage_count") + 1)


def mapper_save_status(*, mapper: MapperConfig, status: str) -> MapperConfig:
    """Store a status as given, without the lifecycle. Only for repairs: setting a second
    ``active`` is refused by the database and reported as a MapperConflict naming the active one."""
    try:
        with transaction.atomic():
            MapperConfig.objects.filter(pk=mapper.pk).update(status=status)
    except IntegrityError as exc:
        raise _active_conflict(mapper.config_id, exc) from exc
    mapper.status = status
    return mapper


def _active_conflict(config_id: str, exc: IntegrityError) -> MapperError:
    if ACTIVE_INDEX not in str(exc):
        raise exc
    active = MapperConfig.objects.filter(config_id=config_id, status=MapperConfig.Status.ACTIVE).first()
    which = f"v{active.version}" if active else "another version"
    return MapperConflict(
        f"{config_id} already has an active version ({which}); only one version of a mapper can be active. "
        "Activate the new version instead: that deprecates the old one in the same transaction."
    )
