import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY_PATTERN = re.compile(r"^pk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{32})$")


def test_a_new_key_has_the_documented_shape(user):
    api_key, raw_key = services.api_key_create(user=user, name="laptop script")

    match = KEY_PATTERN.match(raw_key)
    assert match, raw_key
    assert api_key.prefix == match.group(1)


def test_only_the_sha256_of_the_key_is_stored(user):
    api_key, raw_key = services.api_key_create(user=user, name="laptop script")

    api_key.refresh_from_db()
    assert api_key.hashed_key == hashlib.sha256(raw_key.encode()).hexdigest()
    secret = raw_key.split("_", 2)[2]
    for value in ApiKey.objects.values_list("id", "name", "prefix", "hashed_key").get():
        assert secret not in str(value)


def test_two_keys_differ(user):
    _, first = services.api_key_create(user=user, name="one")
    _, second = services.api_key_create(user=user, name="two")

    assert first != second


def test_names_are_trimmed(user):
    api_key, _ = services.api_key_create(user=user, name="  ci  ")

    assert api_key.name == "ci"


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_blank_name_is_refused_with_a_clear_message(user, name):
    with pytest.raises(ValidationError) as excinfo:
        services.api_key_create(user=user, name=name)

    assert "Give the key a name" in excinfo.value.message_dict["name"][0]
    assert not ApiKey.objects.exists()


def test_a_name_over_100_characters_is_refused(user):
    with pytest.raises(ValidationError) as excinfo:
        services.api_key_create(user=user, name="x" * 101)

    assert "at most 100 characters" in excinfo.value.message_dict["name"][0]


def test_a_name_of_exactly_100_characters_is_fine(user):
    api_key, _ = services.api_key_create(user=user, name="x" * 100)

    assert len(api_key.name) == 100


def test_the_database_refuses_a_blank_name_too(user):
    with pytest.raises(IntegrityError):
        ApiKey.objects.create(user=user, name="  ", prefix="abcdefgh", hashed_key="0" * 64)


def test_authenticate_returns_the_owner(user, raw_key):
    assert services.api_key_authenticate(raw_key) == user


@pytest.mark.parametrize(
    "garbage",
    ["", "pk_", "nonsense", "pk_abcdefgh_short", "xx_abcdefgh_" + "a" * 32, "pk_abc!efgh_" + "a" * 32],
)
def test_authenticate_refuses_malformed_keys(garbage):
    assert services.api_key_authenticate(garbage) is None


def test_authenticate_refuses_a_wrong_secret_with_a_real_prefix(api_key_and_secret):
    api_key, raw_key = api_key_and_secret
    forged = f"pk_{api_key.prefix}_{'A' * 32}"

    assert forged != raw_key
    assert services.api_key_authenticate(forged) is None


def test_authenticate_refuses_a_revoked_key(api_key_and_secret):
    api_key, raw_key = api_key_and_secret
    services.api_key_revoke(api_key=api_key)

    assert services.api_key_authenticate(raw_key) is None
    with pytest.raises(services.ApiKeyRevokedError):
        services.api_key_verify(raw_key)


def test_authenticate_refuses_the_key_of_an_inactive_user():
    user = UserFactory(is_active=False)
    _, raw_key = services.api_key_create(user=user, name="old")

    assert services.api_key_authenticate(raw_key) is None


def test_revoking_twice_keeps_the_first_revocation_time(api_key_and_secret):
    api_key, _ = api_key_and_secret
    services.api_key_revoke(api_key=api_key)
    first = ApiKey.objects.get(pk=api_key.pk).revoked_at

    services.api_key_revoke(api_key=ApiKey.objects.get(pk=api_key.pk))

    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == first


def test_last_used_is_recorded_on_first_use(api_key_and_secret):
    api_key, raw_key = api_key_and_secret

    services.api_key_authenticate(raw_key)

    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    assert timezone.now() - api_key.last_used_at < timedelta(seconds=10)


def test_last_used_is_written_at_most_once_a_minute(api_key_and_secret, django_assert_num_queries):
    api_key, raw_key = api_key_and_secret
    services.api_key_authenticate(raw_key)
    first_use = ApiKey.objects.get(pk=api_key.pk).last_used_at

    with django_assert_num_queries(1):  # the lookup, no UPDATE
        services.api_key_authenticate(raw_key)

    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first_use


def test_last_used_is_refreshed_once_it_is_older_than_a_minute(api_key_and_secret):
    api_key, raw_key = api_key_and_secret
    long_ago = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=long_ago)

    services.api_key_authenticate(raw_key)

    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > long_ago
