from __future__ import annotations

import pytest

from accounts import services


@pytest.fixture
def api_key_and_secret(user):
    """An active key of ``user`` and the full key string (which only its creator ever sees)."""
    return services.api_key_create(user=user, name="laptop script")


@pytest.fixture
def raw_key(api_key_and_secret) -> str:
    return api_key_and_secret[1]


def api_key_header(raw_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}
