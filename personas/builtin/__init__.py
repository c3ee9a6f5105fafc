"""Built-in mapper configurations shipped with the code (``*.json`` beside this file).

Each file is ``{"config_id", "persona_ttl_hours", "configuration"}``. ``load_builtin_mappers()``
(run by ``manage.py load_mapper_configs``, which ``load_builtin_data`` calls) is idempotent: a
file whose content was already loaded adds nothing; a changed file becomes a new version and is
activated (deprecating the active one). The content's SHA-256 is kept in the version's metadata.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from personas.models import MapperConfig
from personas.services import mappers as mapper_services

BUILTIN_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class LoadResult:
    config_id: str
    version: int
    created: bool  # False: this content was already loaded

    def __str__(self) -> str:
        if self.created:
            return f"Mapper {self.config_id}: loaded v{self.version} and activated it."
        return f"Mapper {self.config_id}: v{self.version} is up to date."


def content_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(
        {key: document.get(key) for key in ("config_id", "persona_ttl_hours", "configuration")},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_document(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not {"config_id", "configuration"} <= document.keys():
        raise ValueError(f"{path.name}: expected an object with config_id and configuration.")
    return document


def load_builtin_mapper(path: Path) -> LoadResult:
    document = read_document(path)
    config_id = document["config_id"]
    digest = content_hash(document)
    with transaction.atomic():
        # Two loaders at once (make run beside a test run) must not both add a version.
        mapper_services.lock_config_id(config_id)
        latest_builtin = (
            MapperConfig.objects.filter(config_id=config_id, metadata__builtin_file=path.name)
            .order_by("-version")
            .first()
        )
        if latest_builtin is not None and latest_builtin.metadata.get("builtin_sha256") == digest:
            return LoadResult(config_id, latest_builtin.version, created=False)
        mapper = mapper_services.mapper_create(
            config_id=config_id,
            configuration=document["configuration"],
            persona_ttl_hours=document.get("persona_ttl_hours", 24),
            created_by=None,
            metadata={"builtin_file": path.name, "builtin_sha256": digest, "source": "builtin"},
        )
        mapper = mapper_services.mapper_activate(mapper=mapper)
    return LoadResult(config_id, mapper.version, created=True)


def load_builtin_mappers(directory: Path = BUILTIN_DIR) -> list[LoadResult]:
    """Load every ``*.json`` in ``directory`` (default: the built-in ones), in name order."""
    return [load_builtin_mapper(path) for path in sorted(directory.glob("*.json"))]
