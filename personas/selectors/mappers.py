"""Read queries: mapper configs. (Owner: mappers work; contract stubs until filled.)"""

from __future__ import annotations

from personas.models import MapperConfig

DEFAULT_MAPPER_CONFIG_ID = "persona-guidance"


def mapper_active(config_id: str | None = None) -> MapperConfig | None:
    """The active version of ``config_id`` (default: the built-in persona-guidance mapper)."""
    return MapperConfig.objects.filter(
        config_id=config_id or DEFAULT_MAPPER_CONFIG_ID, status=MapperConfig.Status.ACTIVE
    ).first()
