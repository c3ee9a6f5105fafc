"""Read queries: mapper configs, and the feedback on personas built with them.

A feedback row belongs to a mapper version through its persona: ``persona.mapper`` when set,
otherwise (the mapper row was deleted) ``feedback.mapper_version`` with ``persona.mapper_config_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from personas.models import Feedback, MapperConfig

DEFAULT_MAPPER_CONFIG_ID = "persona-guidance"


def mapper_active(config_id: str | None = None) -> MapperConfig | None:
    """The active version of ``config_id`` (default: the built-in persona-guidance mapper)."""
    return MapperConfig.objects.filter(
        config_id=config_id or DEFAULT_MAPPER_CONFIG_ID, status=MapperConfig.Status.ACTIVE
    ).first()


# --------------------------------------------------------------------------- feedback per mapper version


def _feedback_of(mapper_pk, config_id, version) -> Q:
    return Q(persona__mapper_id=mapper_pk) | Q(
        persona__mapper__isnull=True,
        persona__isnull=False,
        persona__mapper_config_id=config_id,
        mapper_version=version,
    )


def feedback_for_mapper(mapper: MapperConfig) -> QuerySet[Feedback]:
    return Feedback.objects.filter(_feedback_of(mapper.pk, mapper.config_id, mapper.version))


@dataclass(frozen=True)
class FeedbackStats:
    mean_rating: float | None  # of the rated feedback
    rating_count: int
    feedback_count: int
    helpful_count: int
    not_helpful_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "mean_rating": self.mean_rating,
            "rating_count": self.rating_count,
            "feedback_count": self.feedback_count,
            "helpful_count": self.helpful_count,
            "not_helpful_count": self.not_helpful_count,
        }


def mapper_feedback_stats(mapper: MapperConfig) -> FeedbackStats:
    row = feedback_for_mapper(mapper).aggregate(
        mean_rating=Avg("rating"),
        rating_count=Count("rating"),
        feedback_count=Count("id"),
        helpful_count=Count("id", filter=Q(helpful=True)),
        not_helpful_count=Count("id", filter=Q(helpful=False)),
    )
    mean = row["mean_rating"]
    return FeedbackStats(
        mean_rating=round(float(mean), 2) if mean is not None else None,
        rating_count=row["rating_count"],
        feedback_count=row["feedback_count"],
        helpful_count=row["helpful_count"],
        not_helpful_count=row["not_helpful_count"],
    )


def mapper_feedback_by_rule(mapper: MapperConfig) -> list[dict[str, Any]]:
    """Feedback on one rule's suggestion (``rule_id`` set), per rule: mean rating, counts."""
    rows = (
        feedback_for_mapper(mapper)
        .exclude(rule_id="")
        .order_by()
        .values("rule_id")
        .annotate(
            mean_rating=Avg("rating"),
            rating_count=Count("rating"),
            feedback_count=Count("id"),
            helpful_count=Count("id", filter=Q(helpful=True)),
        )
        .order_by("rule_id")
    )
    return [
        {
            **row,
            "mean_rating": round(float(row["mean_rating"]), 2) if row["mean_rating"] is not None else None,
        }
        for row in rows
    ]


def with_feedback_stats(queryset: QuerySet[MapperConfig]) -> QuerySet[MapperConfig]:
    """Annotate ``mean_rating`` and ``rating_count`` per version (one query for a whole list)."""
    related = (
        Feedback.objects.filter(_feedback_of(OuterRef("pk"), OuterRef("config_id"), OuterRef("version")))
        .order_by()
        .annotate(group=Value(1))
        .values("group")
    )
    return queryset.annotate(
        mean_rating=Subquery(related.annotate(mean=Avg("rating")).values("mean"), output_field=FloatField()),
        rating_count=Coalesce(
            Subquery(related.annotate(n=Count("rating")).values("n"), output_field=IntegerField()), 0
        ),
    )


# --------------------------------------------------------------------------- mappers visible to a user


def mappers_visible_to(user) -> QuerySet[MapperConfig]:
    """Staff see every version; other signed-in users only active ones; anonymous nothing."""
    if not user.is_authenticated:
        return MapperConfig.objects.none()
    queryset = MapperConfig.objects.select_related("created_by")
    if not user.is_staff:
        queryset = queryset.filter(status=MapperConfig.Status.ACTIVE)
    return queryset


def mapper_list(user, *, config_id: str | None = None, status: str | None = None) -> QuerySet[MapperConfig]:
    queryset = mappers_visible_to(user)
    if config_id:
        queryset = queryset.filter(config_id=config_id)
    if status:
        queryset = queryset.filter(status=status)
    return with_feedback_stats(queryset).order_by("config_id", "-version")


def mapper_for_user(user, mapper_id) -> MapperConfig:
    """The mapper version if ``user`` may see it; raises MapperConfig.DoesNotExist otherwise (→ 404)."""
    return mappers_visible_to(user).get(pk=mapper_id)


def mapper_versions(config_id: str) -> QuerySet[MapperConfig]:
    """Every version of one config_id, newest first, with feedback stats (for the admin page)."""
    return with_feedback_stats(MapperConfig.objects.filter(config_id=config_id)).order_by("-version")


# --------------------------------------------------------------------------- the staff feedback list


@dataclass(frozen=True)
class FeedbackFilters:
    rating: int | None = None
    helpful: bool | None = None
    mapper_version: int | None = None
    config_id: str | None = None
    since: date | datetime | None = None  # inclusive
    until: date | datetime | None = None  # inclusive (a date means the whole day)


def feedback_list(filters: FeedbackFilters | None = None) -> QuerySet[Feedback]:
    """Every feedback row (staff), newest first, with what the list and CSV show."""
    filters = filters or FeedbackFilters()
    queryset = Feedback.objects.select_related("persona", "persona__mapper", "created_by").order_by(
        "-created_at", "-id"
    )
    if filters.rating is not None:
        queryset = queryset.filter(rating=filters.rating)
    if filters.helpful is not None:
        queryset = queryset.filter(helpful=filters.helpful)
    if filters.mapper_version is not None:
        queryset = queryset.filter(mapper_version=filters.mapper_version)
    if filters.config_id:
        queryset = queryset.filter(persona__mapper_config_id=filters.config_id)
    if filters.since is not None:
        if isinstance(filters.since, datetime):
            queryset = queryset.filter(created_at__gte=filters.since)
        else:
            queryset = queryset.filter(created_at__date__gte=filters.since)
    if filters.until is not None:
        if isinstance(filters.until, datetime):
            queryset = queryset.filter(created_at__lte=filters.until)
        else:
            queryset = queryset.filter(created_at__date__lte=filters.until)
    return queryset


def feedback_config_ids() -> list[str]:
    """The config_ids that have versions (choices for the staff filters)."""
    return list(MapperConfig.objects.order_by("config_id").values_list("config_id", flat=True).distinct())
