import json
from pathlib import Path

import pytest

from tests.factories import UserFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def document() -> dict:
    """A small questionnaire document using every item type, rule and translation field."""
    return json.loads((FIXTURES / "mini-five.json").read_text(encoding="utf-8"))


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
