"""Admin for every personas model, one module per object kind (imported here for autodiscovery)."""

from personas.admin import mappers, narratives, observations, personas  # noqa: F401
