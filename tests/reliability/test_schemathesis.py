"""Schemathesis against the whole API, in process, with a bounded number of examples.

Every operation of the OpenAPI schema is fuzzed through the WSGI app with a real API key and
validated with schemathesis' checks: no 5xx, documented status codes and content types,
responses that match their schemas, invalid input refused.

One check is left out: ``positive_data_acceptance`` expects a 2xx for every schema-valid
request, but a schema-valid request often names an object that does not exist (a random
subject id, questionnaire "0"): the API rightly answers 400 naming the field, or 404.
The examples are derandomised, so a run is the same on every machine.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts import services as account_services
from tests.factories import UserFactory


def _raw_schema() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, cls=DjangoJSONEncoder))


schema = schemathesis.openapi.from_dict(_raw_schema())
schema.app = get_wsgi_application()
# Revoking the key under test would turn every later case into a 401.
schema = schema.exclude(path_regex=r"^/api/v1/api-keys/\{")


@pytest.fixture
def in_test_transaction():
    # As Django's test client does: the WSGI handler must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(db, in_test_transaction) -> str:
    _key, raw = account_services.api_key_create(user=UserFactory(), name="schemathesis")
    return raw


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, api_key):
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {api_key}"},
        excluded_checks=[positive_data_acceptance],
    )
