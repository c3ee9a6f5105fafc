"""Loaders for pages: another user's object is a 404."""

from __future__ import annotations

from django.http import Http404

from assessments.models import SubjectProfile
from personas.selectors import subjects as subject_selectors


def subject_for_page(request, subject_id) -> SubjectProfile:
    try:
        return subject_selectors.subject_for_user(request.user, subject_id)
    except SubjectProfile.DoesNotExist:
        raise Http404("There is no such subject.") from None
