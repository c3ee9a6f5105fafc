"""The editing guards that services and the admin call before changing anything."""

import pytest

from questionnaires import services
from tests.questionnaires.factories import QuestionBankItemFactory, build_version

pytestmark = pytest.mark.django_db


def test_a_published_version_is_not_editable():
    version = build_version(published=True)

    with pytest.raises(services.PublishedVersionLocked) as caught:
        services.version_assert_editable(version)

    assert caught.value.message == (
        f"Version 1 of {version.questionnaire.slug} is published and cannot be changed. "
        "Create a new draft from it instead."
    )


def test_a_stale_copy_of_a_published_version_is_not_editable_either():
    version = build_version()
    stale = type(version).objects.get(pk=version.pk)
    services.version_publish(version=version)

    with pytest.raises(services.PublishedVersionLocked):
        services.version_assert_editable(stale)


def test_a_draft_is_editable():
    services.version_assert_editable(build_version())


def test_a_bank_item_used_by_a_published_version_is_not_editable():
    version = build_version(published=True)
    bank_item = version.items.get(key="q1").bank_item

    with pytest.raises(services.PublishedVersionLocked) as caught:
        services.bank_item_assert_editable(bank_item)

    assert caught.value.message == (
        f"Question {bank_item.key} is used by published version 1 of {version.questionnaire.slug} and "
        "cannot be changed. Create a new bank item instead."
    )


def test_a_bank_item_used_only_by_drafts_is_editable():
    services.bank_item_assert_editable(build_version().items.get(key="q1").bank_item)
    services.bank_item_assert_editable(QuestionBankItemFactory())
