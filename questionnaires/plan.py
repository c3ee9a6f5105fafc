"""One compiled, immutable plan per published questionnaire version, kept per process.

A published version never changes, so everything the hot paths read of it (items, bank items,
options, mappings, branch rules, the analysis model's dimensions, thresholds and composites) is
loaded once per process into a `VersionPlan` and shared by the take pages, autosave validation,
branching, progress and scoring. Per request only the session's own rows are read.

Freshness: a plan is keyed by the version's id *and* the `updated_at` of the version, its
questionnaire and its analysis model, as read with the session (`select_related`) on every
request. Publishing or deactivating a version, or editing the questionnaire or the analysis
model, changes a timestamp, so the next request in every process builds a new plan; the old one
ages out of the bounded LRU. Drafts are never cached: each call builds a fresh plan.

An analysis model's dimensions, thresholds and composites are rows of their own, edited without
saving the model (admin inlines and pages); `touch_analysis_model` (connected to their saves and
deletes in `QuestionnairesConfig.ready`) bumps the model's `updated_at`, so such an edit changes
the key like any other.

Derived artefacts (the scoring engine's input, page layouts per locale, id maps) are memoised on
the plan itself by the app that needs them (`VersionPlan.derived`), so they share its lifetime.
Treat everything reachable from a plan as read-only: it is shared between threads.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone

from questionnaires.models import (
    AnalysisModel,
    QuestionnaireVersion,
    TraitComposite,
    TraitDimension,
    TraitThreshold,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)

PLANS_MAX = 64

PlanKey = tuple[int, datetime | None, datetime | None, datetime | None, datetime | None]


class VersionPlan:
    """A version loaded with everything the hot paths read, plus memoised derived artefacts."""

    __slots__ = ("key", "version", "_derived", "_lock")

    def __init__(self, key: PlanKey, version: QuestionnaireVersion) -> None:
        self.key = key
        self.version = version
        self._derived: dict[str, Any] = {}
        self._lock = threading.Lock()
        version._plan = self  # so helpers given the version find their memo

    @property
    def version_id(self) -> int:
        return self.key[0]

    @property
    def is_published(self) -> bool:
        return self.version.published_at is not None

    def derived(self, name: str, build: Callable[[VersionPlan], T]) -> T:
        """`build(self)`, computed once per plan (per `name`) and kept with it."""
        try:
            return self._derived[name]
        except KeyError:
            pass
        value = build(self)
        with self._lock:
            return self._derived.setdefault(name, value)

    def __repr__(self) -> str:
        return f"<VersionPlan {self.version_id} published={self.is_published}>"


_plans: OrderedDict[PlanKey, VersionPlan] = OrderedDict()
_plans_lock = threading.Lock()
_stats = {"hits": 0, "builds": 0}


def _loaded(instance: Any, field: str) -> Any:
    """A related object already loaded on `instance` (select_related), else None."""
    return instance._state.fields_cache.get(field)


def plan_key(version: QuestionnaireVersion) -> PlanKey | None:
    """The cache key of a version row loaded with its questionnaire and analysis model, or None
    when those were not loaded (the caller then reads the key with one small query)."""
    questionnaire = _loaded(version, "questionnaire")
    model = _loaded(version, "analysis_model")
    if questionnaire is None or model is None:
        return None
    return (version.pk, version.updated_at, version.published_at, questionnaire.updated_at, model.updated_at)


def _key_from_database(version_id: int) -> PlanKey:
    row = (
        QuestionnaireVersion.objects.filter(pk=version_id)
        .values_list("updated_at", "published_at", "questionnaire__updated_at", "analysis_model__updated_at")
        .first()
    )
    if row is None:
        raise QuestionnaireVersion.DoesNotExist(f"No questionnaire version {version_id}.")
    return (version_id, *row)


def version_plan(version: QuestionnaireVersion | int) -> VersionPlan:
    """The plan of a version: from this process's cache when published and unchanged.

    Pass the version row (loaded with `select_related("questionnaire", "analysis_model")`, as the
    session selectors do) to check freshness without a query; an id costs one small query.
    """
    if isinstance(version, QuestionnaireVersion):
        key = plan_key(version) or _key_from_database(version.pk)
    else:
        key = _key_from_database(int(version))
    plan = cached_plan(key)
    if plan is not None:
        return plan
    plan = _build(key)
    if key[2] is not None and plan.is_published:
        with _plans_lock:
            plan = _plans.setdefault(key, plan)
            _plans.move_to_end(key)
            while len(_plans) > PLANS_MAX:
                _plans.popitem(last=False)
    return plan


def cached_plan(key: PlanKey) -> VersionPlan | None:
    """The plan kept in this process under `key` (read with the session row), or None: a draft,
    a version changed since, or one not built yet here (the caller then takes the usual path)."""
    if key[2] is None:
        return None
    with _plans_lock:
        plan = _plans.get(key)
        if plan is not None:
            _plans.move_to_end(key)
            _stats["hits"] += 1
    return plan


def _build(key: PlanKey) -> VersionPlan:
    from questionnaires import selectors

    _stats["builds"] += 1
    version = selectors.version_with_rules(version_id=key[0])
    # The key read before loading may be older than what was loaded (a publish in between):
    # key the plan by what it holds, so it is never served for the newer state, nor vice versa.
    loaded = (
        version.pk,
        version.updated_at,
        version.published_at,
        version.questionnaire.updated_at,
        version.analysis_model.updated_at,
    )
    return VersionPlan(loaded, version)


def warm(*, limit: int = PLANS_MAX) -> int:
    """Build the plans of the active published versions (at start-up); returns how many."""
    rows = (
        QuestionnaireVersion.objects.filter(is_active=True, published_at__isnull=False)
        .select_related("questionnaire", "analysis_model")
        .order_by("-published_at")[:limit]
    )
    count = 0
    for version in rows:
        version_plan(version)
        count += 1
    return count


def warm_in_background() -> threading.Thread:
    """`warm()` on a daemon thread, for a web or worker process right after it starts (its first
    visitor then finds the plans built); a failure (database not up yet) is only logged."""

    def run() -> None:
        from django.db import connection

        try:
            logger.info("warmed %d questionnaire plans", warm())
        except Exception:  # noqa: BLE001 - warming is an optimisation; requests build plans too
            logger.warning("warming questionnaire plans failed", exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="warm-questionnaire-plans", daemon=True)
    thread.start()
    return thread


def touch_analysis_model(sender, instance, **kwargs) -> None:
    """Receiver of saves and deletes of an analysis model's parts: its plans' key changes."""
    if isinstance(instance, TraitThreshold):
        model_id = (
            TraitDimension.objects.filter(pk=instance.dimension_id)
            .values_list("analysis_model_id", flat=True)
            .first()
        )
    else:
        model_id = instance.analysis_model_id
    if model_id is not None:
        AnalysisModel.objects.filter(pk=model_id).update(updated_at=timezone.now())


MODEL_PARTS = (TraitDimension, TraitThreshold, TraitComposite)


def clear() -> None:
    """Forget every plan of this process (tests)."""
    with _plans_lock:
        _plans.clear()


def cached_keys() -> list[PlanKey]:
    with _plans_lock:
        return list(_plans)


def stats() -> dict[str, int]:
    return {**_stats, "cached": len(_plans)}
