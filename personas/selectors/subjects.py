"""Which subjects a user may see in the personas app: their own and the ones they manage;
staff see every subject. Anonymous responders see none."""

from __future__ import annotations

from django.db.models import QuerySet

from assessments import selectors as assessment_selectors
from assessments.models import SubjectProfile


def subjects_visible_to(user) -> QuerySet[SubjectProfile]:
    if not user.is_authenticated:
        return SubjectProfile.objects.none()
    if user.is_staff:
        return SubjectProfile.objects.all()
    return assessment_selectors.subjects_for_user(user)


def subject_for_user(user, subject_id) -> SubjectProfile:
    """The subject if ``user`` may see it; raises SubjectProfile.DoesNotExist otherwise (→ 404)."""
    return subjects_visible_to(user).get(pk=subject_id)
