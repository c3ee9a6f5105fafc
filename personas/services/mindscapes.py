"""Mindscapes: the dot-path tree of what is known about a subject, rebuilt and edited.

Tree layout (the contract other persona modules rely on; segments are slugs with '-' → '_'):

* ``big_five.<domain>.{score, raw, band, band_label}`` and NEO facets under
  ``big_five.<domain>.facets.<facet>.{…}`` — from the newest finished IPIP-NEO-120 or IPIP-50 run
  (whichever finished last; IPIP-50's emotional stability becomes neuroticism with score
  100 − x, raw mirrored in its range and band inverted; intellect becomes openness)
* ``disc.<d|i|s|c>.{…}`` and ``disc.primary_style``
* ``questionnaires.<slug>.<dimension>.{…}`` and ``questionnaires.<slug>.completed_at`` for every
  questionnaire the subject completed (its newest finished run)
* ``others.<slug>.n`` and ``others.<slug>.<dimension>.{score, raw}``: means of what survey
  responders said, pooled over the subject's surveys of that questionnaire that reached their
  min-n (never below 3); no per-responder value, id or time
* ``work.chronotype`` and ``work.focus_patterns.{deep_work_duration, peak_hours, sessions}``
  from ``work_session`` observations

``score`` is the normalised 0–100 score. ``sources`` maps each leaf path to
``{"kind": "assessment" | "survey" | "observation" | "manual", …ids, "at": iso}``.

Writes are optimistic: the row is read under ``SELECT … FOR UPDATE`` and written by one
conditional ``UPDATE … WHERE version = <read version>`` that bumps the version, so of two
writers holding the same version exactly one wins; the other gets :class:`MindscapeConflict`.
A rebuild keeps every path set by hand (source kind ``manual`` wins) and bumps the version only
when the traits change.
"""

from __future__ import annotations

import copy
import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import AnalysisRun, SubjectProfile, TraitScore
from personai import outbox
from personas import paths
from personas.models import Mindscape
from personas.selectors import mindscapes as selectors

REBUILD_TASK = "personas.rebuild_mindscape"
MAX_TRAITS_BYTES = 512 * 1024
MAX_PATCH_PATHS = 100

BIG_FIVE_DOMAINS = ("neuroticism", "extraversion", "openness", "agreeableness", "conscientiousness")
# Analysis models by slug (the questionnaires' instruments/*.json).
NEO_MODEL = "big-five-ipip-neo"
IPIP50_MODEL = "big-five-ipip-50"
# Version 1 of the DISC questionnaire used "disc-styles"; later versions band relative emphasis.
DISC_MODELS = ("disc-styles", "disc-styles-relative")
IPIP50_DOMAINS = {
    "extraversion": ("extraversion", False),
    "agreeableness": ("agreeableness", False),
    "conscientiousness": ("conscientiousness", False),
    "emotional-stability": ("neuroticism", True),
    "intellect": ("openness", False),
}
INVERTED_BAND = {"low": "high", "high": "low"}
PARTS_OF_DAY = ("morning", "afternoon", "evening", "night")


class MindscapeError(Exception):
    pass


class MindscapeInvalid(MindscapeError):
    """Bad paths or values; ``errors`` maps each offending path (or field) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("Some paths or values are invalid.")
        self.errors = errors


class MindscapeConflict(MindscapeError):
    """The caller's version is stale; carries the current version and traits."""

    def __init__(self, current_version: int, traits: dict[str, Any]):
        super().__init__(f"The mindscape changed: it is at version {current_version} now.")
        self.current_version = current_version
        self.traits = traits


# --------------------------------------------------------------------------- enqueueing


def mindscape_rebuild_enqueue(*, subject_id) -> outbox.OutboxTask:
    """Ask for a rebuild after the current transaction commits (one pending per subject).

    The dedupe key hands back a rebuild that is already *running*, which may have read its
    inputs before this transaction's data: then one follow-up is queued under a second key, so
    the change is never left out (at most one running and one follow-up per subject).
    """
    payload = {"subject_id": str(subject_id)}
    task = outbox.enqueue(REBUILD_TASK, payload, dedupe_key=f"mindscape:{subject_id}")
    if task.status == outbox.OutboxTask.Status.IN_PROGRESS:
        task = outbox.enqueue(REBUILD_TASK, payload, dedupe_key=f"mindscape:{subject_id}:again")
    return task


def on_run_scored(sender, *, run: AnalysisRun, subject_id, **kwargs) -> None:
    """Receiver of ``assessments.signals.run_scored`` (connected in PersonasConfig.ready): a
    self run changes the subject's scores, an observer's run what others said; both rebuild."""
    mindscape_rebuild_enqueue(subject_id=subject_id)


# --------------------------------------------------------------------------- manual edits


@dataclass(frozen=True)
class Patch:
    set: dict[str, Any]
    unset: list[str]


def patch_errors(patch: Patch) -> dict[str, list[str]]:
    """Problems of a patch, keyed by path (``set.<path>``-free: the path itself) or field."""
    errors: dict[str, list[str]] = {}
    if not patch.set and not patch.unset:
        errors["set"] = ["Give at least one path to set or unset."]
        return errors
    if len(patch.set) + len(patch.unset) > MAX_PATCH_PATHS:
        errors["set"] = [f"At most {MAX_PATCH_PATHS} paths per change."]
        return errors
    for path, value in patch.set.items():
        problems = paths.path_errors(path)
        if not problems:
            problems = paths.value_errors(value, depth=len(path.split(".")))
        if problems:
            errors[path] = problems
    for path in patch.unset:
        problems = paths.path_errors(path)
        if problems:
            errors[str(path)] = problems
    if errors:
        return errors
    written = [*patch.set, *patch.unset]
    for index, path in enumerate(written):
        for other in written[index + 1 :]:
            if paths.overlaps(path, other):
                errors.setdefault(other, []).append(
                    f"Overlaps {path!r} in the same change; send one of them."
                )
    return errors


def _apply_manual(
    traits: dict[str, Any], sources: dict[str, Any], path: str, value: Any, source: dict[str, Any]
) -> None:
    """Write ``value`` at ``path``, dropping the sources of what it replaces (its subtree and any
    ancestor that was a leaf)."""
    for known in list(sources):
        if paths.overlaps(known, path):
            del sources[known]
    paths.set_path(traits, path, value)
    sources[path] = source


def _unset(traits: dict[str, Any], sources: dict[str, Any], path: str) -> None:
    paths.delete_path(traits, path)
    for known in list(sources):
        if paths.is_within(known, path):
            del sources[known]


def _size_errors(traits: dict[str, Any]) -> dict[str, list[str]]:
    size = len(json.dumps(traits).encode())
    if size > MAX_TRAITS_BYTES:
        return {"set": [f"The mindscape would be {size} bytes; at most {MAX_TRAITS_BYTES} are kept."]}
    return {}


def mindscape_patch(*, subject: SubjectProfile, version: int, patch: Patch, user) -> Mindscape:
    """Set and unset paths by hand, if ``version`` is still current (0: no mindscape yet).

    Raises MindscapeInvalid (nothing written) or MindscapeConflict (stale version).
    """
    errors = patch_errors(patch)
    if errors:
        raise MindscapeInvalid(errors)
    now = timezone.now()
    source = {"kind": "manual", "by": str(user.pk) if user is not None else None, "at": now.isoformat()}

    def edited(traits: dict[str, Any], sources: dict[str, Any]) -> tuple[dict, dict]:
        traits, sources = copy.deepcopy(traits), copy.deepcopy(sources)
        for path in patch.unset:
            _unset(traits, sources, path)
        for path, value in patch.set.items():
            _apply_manual(traits, sources, path, copy.deepcopy(value), dict(source))
        size = _size_errors(traits)
        if size:
            raise MindscapeInvalid(size)
        return traits, sources

    with transaction.atomic():
        mindscape = Mindscape.objects.select_for_update().filter(subject=subject).first()
        if mindscape is None:
            if version != 0:
                raise MindscapeConflict(0, {})
            traits, sources = edited({}, {})
            try:
                with transaction.atomic():
                    return Mindscape.objects.create(
                        subject=subject, traits=traits, sources=sources, version=1
                    )
            except IntegrityError:
                # Someone else created it since we looked: their version is newer than 0.
                current = Mindscape.objects.get(subject=subject)
                raise MindscapeConflict(current.version, current.traits) from None
        if mindscape.version != version:
            raise MindscapeConflict(mindscape.version, mindscape.traits)
        traits, sources = edited(mindscape.traits, mindscape.sources)
        if traits == mindscape.traits and _same_except_manual_times(sources, mindscape.sources):
            return mindscape  # nothing changed: no new version
        written = Mindscape.objects.filter(pk=mindscape.pk, version=version).update(
            traits=traits, sources=sources, version=F("version") + 1, updated_at=now
        )
        if written != 1:  # cannot happen under the row lock; kept as the last line of defence
            current = Mindscape.objects.get(pk=mindscape.pk)
            raise MindscapeConflict(current.version, current.traits)
    mindscape.refresh_from_db()
    return mindscape


def _same_except_manual_times(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Sources equal but for the time of a manual edit (re-setting the same value is no change)."""
    if new.keys() != old.keys():
        return False
    for path, source in new.items():
        before = old[path]
        if source.get("kind") == "manual" and before.get("kind") == "manual":
            if {**source, "at": None} != {**before, "at": None}:
                return False
        elif source != before:
            return False
    return True


# --------------------------------------------------------------------------- rebuild


def mindscape_rebuild(*, subject_id) -> Mindscape | None:
    """Recompute the subject's tree from scores, survey aggregates and observations.

    Idempotent: the same inputs give the same traits, and the version moves only when the
    traits change. Paths set by hand survive. None if the subject no longer exists.
    """
    with transaction.atomic():
        # One rebuild of a subject at a time, each reading its inputs under the lock: a slower
        # rebuild that read older data can never write over a newer one. (NO KEY UPDATE: rows
        # referring to the subject can still be inserted meanwhile.)
        subject = SubjectProfile.objects.select_for_update(no_key=True).filter(pk=subject_id).first()
        if subject is None:
            return None
        traits, sources = compute_tree(subject)
        now = timezone.now()
        mindscape = Mindscape.objects.select_for_update().filter(subject=subject).first()
        if mindscape is None:
            try:
                with transaction.atomic():
                    return Mindscape.objects.create(
                        subject=subject, traits=traits, sources=sources, version=1
                    )
            except IntegrityError:
                mindscape = Mindscape.objects.select_for_update().get(subject=subject)
        for path, source in mindscape.sources.items():
            if source.get("kind") != "manual":
                continue
            value = paths.get_path(mindscape.traits, path)
            if value is not paths.MISSING:
                _apply_manual(traits, sources, path, value, source)
        if traits == mindscape.traits:
            if sources != mindscape.sources:
                Mindscape.objects.filter(pk=mindscape.pk).update(sources=sources)
                mindscape.sources = sources
            return mindscape
        Mindscape.objects.filter(pk=mindscape.pk, version=mindscape.version).update(
            traits=traits, sources=sources, version=F("version") + 1, updated_at=now
        )
    mindscape.refresh_from_db()
    return mindscape


def compute_tree(subject: SubjectProfile) -> tuple[dict[str, Any], dict[str, Any]]:
    """The computed (not hand-set) traits and their sources."""
    tree = _Tree()
    _add_assessments(tree, subject)
    _add_others(tree, subject)
    _add_work(tree, selectors.work_sessions(subject))
    return tree.traits, tree.sources


class _Tree:
    def __init__(self) -> None:
        self.traits: dict[str, Any] = {}
        self.sources: dict[str, Any] = {}

    def put(self, path: str, value: Any, source: dict[str, Any]) -> None:
        if value is None or value == "":
            return
        paths.set_path(self.traits, path, value)
        self.sources[path] = source

    def put_score(self, prefix: str, fields: dict[str, Any], source: dict[str, Any]) -> None:
        for name, value in fields.items():
            self.put(f"{prefix}.{name}", value, source)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _score_fields(score: TraitScore) -> dict[str, Any]:
    return {
        "score": score.normalized_score,
        "raw": score.raw_score,
        "band": score.band,
        "band_label": score.band_label,
    }


def _add_assessments(tree: _Tree, subject: SubjectProfile) -> None:
    runs = selectors.own_latest_runs(subject)
    if not runs:
        return
    scores = selectors.scores_by_run(runs)
    composites = selectors.composites_by_run(runs)
    big_five_run = max(
        (
            run
            for run in runs
            if run.session.questionnaire_version.analysis_model.slug in (NEO_MODEL, IPIP50_MODEL)
        ),
        key=lambda run: (run.finished_at, run.created_at),
        default=None,
    )
    for run in runs:
        session = run.session
        questionnaire = session.questionnaire_version.questionnaire
        model_slug = session.questionnaire_version.analysis_model.slug
        source = {
            "kind": "assessment",
            "questionnaire": questionnaire.slug,
            "session_id": str(session.pk),
            "run_id": str(run.pk),
            "at": _iso(run.finished_at),
        }
        base = f"questionnaires.{paths.segment(questionnaire.slug)}"
        for score in scores.get(run.pk, []):
            tree.put_score(f"{base}.{paths.segment(score.dimension.slug)}", _score_fields(score), source)
        tree.put(f"{base}.completed_at", _iso(session.submitted_at or run.finished_at), source)

        if run is big_five_run and model_slug == NEO_MODEL:
            _add_neo(tree, scores.get(run.pk, []), source)
        elif run is big_five_run and model_slug == IPIP50_MODEL:
            _add_ipip50(tree, scores.get(run.pk, []), source)
        elif model_slug in DISC_MODELS:
            _add_disc(tree, scores.get(run.pk, []), composites.get(run.pk, []), source)


def _add_neo(tree: _Tree, scores: list[TraitScore], source: dict[str, Any]) -> None:
    domains = {
        score.dimension_id: score.dimension.slug for score in scores if score.dimension.parent_id is None
    }
    for score in scores:
        dimension = score.dimension
        if dimension.parent_id is None:
            if dimension.slug in BIG_FIVE_DOMAINS:
                tree.put_score(f"big_five.{dimension.slug}", _score_fields(score), source)
        elif domains.get(dimension.parent_id) in BIG_FIVE_DOMAINS:
            domain = domains[dimension.parent_id]
            tree.put_score(
                f"big_five.{domain}.facets.{paths.segment(dimension.slug)}", _score_fields(score), source
            )


def _add_ipip50(tree: _Tree, scores: list[TraitScore], source: dict[str, Any]) -> None:
    inverted = [score for score in scores if IPIP50_DOMAINS.get(score.dimension.slug, ("", False))[1]]
    labels = selectors.band_labels([score.dimension_id for score in inverted]) if inverted else {}
    for score in scores:
        domain, invert = IPIP50_DOMAINS.get(score.dimension.slug, (None, False))
        if domain is None:
            continue
        fields = _score_fields(score)
        if invert:
            dimension = score.dimension
            fields["score"] = (
                None if score.normalized_score is None else round(100 - score.normalized_score, 6)
            )
            if dimension.range_min is not None and dimension.range_max is not None:
                fields["raw"] = dimension.range_min + dimension.range_max - score.raw_score
            else:
                fields["raw"] = None  # no range to mirror it in
            band = INVERTED_BAND.get(score.band, score.band)
            fields["band"] = band
            fields["band_label"] = labels.get(
                (dimension.pk, band), score.band_label if band == score.band else ""
            )
        tree.put_score(f"big_five.{domain}", fields, source)


def _add_disc(tree: _Tree, scores: list[TraitScore], composites: list, source: dict[str, Any]) -> None:
    styles = {score.dimension.slug: score for score in scores if score.dimension.slug in ("d", "i", "s", "c")}
    for slug, score in styles.items():
        tree.put_score(f"disc.{slug}", _score_fields(score), source)
    primary = next(
        (
            composite.primary_dimension.slug
            for composite in composites
            if composite.composite.kind == "argmax" and composite.primary_dimension_id
        ),
        None,
    )
    if primary is None and styles:
        order = {"d": 0, "i": 1, "s": 2, "c": 3}
        primary = max(
            styles.values(),
            key=lambda s: (
                s.normalized_score if s.normalized_score is not None else s.raw_score,
                -order[s.dimension.slug],
            ),
        ).dimension.slug
    tree.put("disc.primary_style", primary, source)


def _add_others(tree: _Tree, subject: SubjectProfile) -> None:
    """Pooled means of the surveys that reached their min-n, per questionnaire."""
    pooled: dict[str, dict[str, Any]] = {}
    for aggregate in selectors.survey_aggregates(subject):
        if not aggregate.shown:
            continue
        questionnaire = aggregate.survey.questionnaire_version.questionnaire.slug
        entry = pooled.setdefault(questionnaire, {"n": 0, "surveys": [], "dimensions": {}})
        entry["n"] += aggregate.responses
        entry["surveys"].append(str(aggregate.survey.pk))
        for comparison in aggregate.dimensions:
            if comparison.others_n <= 0 or comparison.others_mean_raw is None:
                continue  # below the threshold for this dimension: hidden by the selector
            sums = entry["dimensions"].setdefault(
                comparison.dimension.slug, {"n": 0, "raw": 0.0, "score": 0.0, "score_n": 0}
            )
            sums["n"] += comparison.others_n
            sums["raw"] += comparison.others_mean_raw * comparison.others_n
            if comparison.others_mean_normalized is not None:
                sums["score"] += comparison.others_mean_normalized * comparison.others_n
                sums["score_n"] += comparison.others_n
    for questionnaire, entry in sorted(pooled.items()):
        # No "at": the newest answer's time would date one responder.
        source = {"kind": "survey", "questionnaire": questionnaire, "survey_ids": sorted(entry["surveys"])}
        base = f"others.{paths.segment(questionnaire)}"
        tree.put(f"{base}.n", entry["n"], source)
        for dimension, sums in sorted(entry["dimensions"].items()):
            fields = {
                # Rounded: a database average's last bits may vary between runs (idempotence).
                "score": round(sums["score"] / sums["score_n"], 2) if sums["score_n"] else None,
                "raw": round(sums["raw"] / sums["n"], 2),
            }
            tree.put_score(f"{base}.{paths.segment(dimension)}", fields, source)


def part_of_day(hour: int) -> str:
    """morning 05–11, afternoon 12–16, evening 17–21, night 22–04."""
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


def _session_hour(content: dict[str, Any], created_at: datetime) -> int:
    """The local hour a session started: ``started_at`` as written (its own offset), else the
    time it was recorded in the server's time zone."""
    started = content.get("started_at")
    if isinstance(started, str):
        try:
            return datetime.fromisoformat(started).hour
        except ValueError:
            pass
    return timezone.localtime(created_at).hour


def work_patterns(sessions: list[tuple[dict[str, Any], datetime]]) -> dict[str, Any]:
    """Chronotype and focus patterns of work sessions (pure; exposed for tests and callers).

    chronotype: the most common part of day the sessions started in (ties: the earlier part);
    deep_work_duration: median minutes of ``focus_level: deep`` sessions; peak_hours: the two
    most common start hours (ties: the earlier hour); sessions: how many.
    """
    if not sessions:
        return {}
    hours = [_session_hour(content, created_at) for content, created_at in sessions]
    parts = Counter(part_of_day(hour) for hour in hours)
    chronotype = min(parts, key=lambda part: (-parts[part], PARTS_OF_DAY.index(part)))
    by_hour = Counter(hours)
    peak_hours = [hour for hour, _ in sorted(by_hour.items(), key=lambda pair: (-pair[1], pair[0]))[:2]]
    deep = [
        float(content["duration_minutes"])
        for content, _ in sessions
        if content.get("focus_level") == "deep" and isinstance(content.get("duration_minutes"), int | float)
    ]
    patterns: dict[str, Any] = {"sessions": len(sessions), "peak_hours": peak_hours}
    if deep:
        median = statistics.median(deep)
        patterns["deep_work_duration"] = int(median) if median == int(median) else round(median, 1)
    return {"chronotype": chronotype, "focus_patterns": patterns}


def _add_work(tree: _Tree, sessions: list[tuple[dict[str, Any], datetime]]) -> None:
    patterns = work_patterns(sessions)
    if not patterns:
        return
    source = {
        "kind": "observation",
        "observation_type": "work_session",
        "count": len(sessions),
        "at": _iso(max(created_at for _, created_at in sessions)),
    }
    tree.put("work.chronotype", patterns["chronotype"], source)
    for name, value in patterns["focus_patterns"].items():
        tree.put(f"work.focus_patterns.{name}", value, source)
