"""Read queries: observations. (Owner: observations+mindscapes work; contract stubs until filled.)"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from assessments.models import SubjectProfile
from personas.models import Observation


def observation_timeline(subject: SubjectProfile, *, limit: int = 50) -> list[Observation]:
    """The subject's latest observations, newest first (for the subject page)."""
    return list(Observation.objects.filter(subject=subject).order_by("-created_at", "-id")[:limit])


def observations_since(subject: SubjectProfile, since: datetime) -> QuerySet[Observation]:
    """Observations recorded at or after ``since`` (a persona's overlay reads these)."""
    return Observation.objects.filter(subject=subject, created_at__gte=since).order_by("-created_at")


def observations_filtered(
    subject: SubjectProfile,
    *,
    observation_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Observation]:
    """The API list: one subject's observations, optionally of one type and in [since, until)."""
    observations = Observation.objects.filter(subject=subject)
    if observation_type:
        observations = observations.filter(observation_type=observation_type)
    if since is not None:
        observations = observations.filter(created_at__gte=since)
    if until is not None:
        observations = observations.filter(created_at__lt=until)
    return observations
