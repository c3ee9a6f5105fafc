"""`api_key_with_user`: the key an API request names, read with its user in one prepared statement."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import selectors, services
from accounts.models import ApiKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_key_and_its_user_are_those_the_orm_reads(user):
    api_key, _raw = services.api_key_create(user=user, name="laptop script")
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    services.api_key_create(user=UserFactory(), name="someone else's")

    with CaptureQueriesContext(connection) as context:
        read = selectors.api_key_with_user(api_key.prefix)
        read_user = read.user

    assert len(context.captured_queries) == 1
    expected = ApiKey.objects.select_related("user").get(pk=api_key.pk)
    assert model_to_dict(read) == model_to_dict(expected)
    assert (read.created_at, read.last_used_at, read.revoked_at) == (
        expected.created_at,
        expected.last_used_at,
        expected.revoked_at,
    )
    assert model_to_dict(read_user) == model_to_dict(expected.user)
    assert read_user.pk == user.pk and read_user.password == expected.user.password
    assert read._state.adding is False and read._state.db == "default"


def test_an_unknown_prefix_finds_nothing(user):
    services.api_key_create(user=user, name="laptop script")

    assert selectors.api_key_with_user("zzzzzzzz") is None


def test_a_saved_key_read_so_updates_its_row(user):
    api_key, _raw = services.api_key_create(user=user, name="laptop script")

    read = selectors.api_key_with_user(api_key.prefix)
    read.name = "renamed"
    read.save()

    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().name == "renamed"
