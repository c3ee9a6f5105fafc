"""The outbox admin: read-only rows, and an action that retries failed tasks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from personai.outbox import OutboxTask, enqueue


@pytest.mark.django_db
def test_the_admin_lists_tasks_and_shows_a_row_read_only(admin_client):
    task = enqueue("personai.noop", {"session": 3})

    listing = admin_client.get(reverse("admin:personai_outboxtask_changelist"))
    detail = admin_client.get(reverse("admin:personai_outboxtask_change", args=[task.pk]))

    assert listing.status_code == 200 and b"personai.noop" in listing.content
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert admin_client.get(reverse("admin:personai_outboxtask_add")).status_code == 403


@pytest.mark.django_db
def test_the_retry_action_requeues_only_failed_tasks(admin_client):
    failed = enqueue("personai.noop", {})
    done = enqueue("personai.noop", {})
    OutboxTask.objects.filter(pk=failed.pk).update(status=OutboxTask.Status.FAILED, attempts=5)
    OutboxTask.objects.filter(pk=done.pk).update(status=OutboxTask.Status.DONE)

    response = admin_client.post(
        reverse("admin:personai_outboxtask_changelist"),
        {"action": "retry_selected", "_selected_action": [str(failed.pk), str(done.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert b"1 task(s) queued again" in response.content
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxTask.Status.PENDING, 0)
    assert OutboxTask.objects.get(pk=done.pk).status == OutboxTask.Status.DONE


@pytest.mark.django_db
def test_a_staff_user_without_permission_cannot_see_the_outbox(client, user):
    user.is_staff = True
    user.save()
    client.force_login(user)

    response = client.get(reverse("admin:personai_outboxtask_changelist"))

    assert response.status_code == 403
