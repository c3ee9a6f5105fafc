"""Read queries: mindscapes. (Owner: observations+mindscapes work; contract stubs until filled.)"""

from __future__ import annotations

from assessments.models import SubjectProfile
from personas.models import Mindscape


def mindscape_for_subject(subject: SubjectProfile) -> Mindscape | None:
    """The subject's mindscape, or None before its first rebuild."""
    return Mindscape.objects.filter(subject=subject).first()
