"""Writes to the questionnaire library: publishing, drafting, and guarding what is published.

A published version never changes. `version_publish` checks a draft against every publishing rule
(`questionnaires.validation`; and, once they pass, against the scoring engine's own
`check_instrument`, as a safety net) and raises `PublishError` with all problems at once;
`version_create_draft` copies a version into the next number so it can be edited; the
`*_assert_editable` guards are what the admin (and any other writer) calls before touching a
version, its items, or a bank item. `version_spec` is publishing's view of a version as the plain
data the rules check; the importer builds the same data from a JSON document.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from questionnaires import selectors, wording
from questionnaires.models import (
    QuestionBankItem,
    QuestionBranchRule,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionTraitMapping,
)
from questionnaires.validation import (
    BranchSpec,
    DimensionSpec,
    ItemSpec,
    MappingSpec,
    OptionSpec,
    ThresholdSpec,
    VersionSpec,
    model_config_problems,
    version_problems,
)

READ_ONLY_HINT = "Published versions are read-only — create a new draft to make changes."


class PublishError(Exception):
    """The version cannot be published; `messages` lists every problem found."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class PublishedVersionLocked(Exception):  # noqa: N818 (the name reads as the situation)
    """Something published (or used by a published version) was about to change."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


# --------------------------------------------------------------------------- editing guards


def version_locked_message(version: QuestionnaireVersion) -> str:
    return (
        f"Version {version.version} of {version.questionnaire.slug} is published and cannot be "
        "changed. Create a new draft from it instead."
    )


def bank_item_locked_message(bank_item: QuestionBankItem, used_by: QuestionnaireVersion) -> str:
    return (
        f"Question {bank_item.key} is used by published version {used_by.version} of "
        f"{used_by.questionnaire.slug} and cannot be changed. Create a new bank item instead."
    )


def version_assert_editable(version: QuestionnaireVersion) -> None:
    """Raise `PublishedVersionLocked` when the version is published (in memory or in the database)."""
    published = version.published_at is not None or (
        version.pk is not None
        and QuestionnaireVersion.objects.filter(pk=version.pk, published_at__isnull=False).exists()
    )
    if published:
        raise PublishedVersionLocked(version_locked_message(version))


def bank_item_published_use(bank_item: QuestionBankItem) -> QuestionnaireVersion | None:
    """The first published version that uses this bank item, if any."""
    if bank_item.pk is None:
        return None
    return (
        QuestionnaireVersion.objects.filter(items__bank_item=bank_item, published_at__isnull=False)
        .select_related("questionnaire")
        .order_by("questionnaire__slug", "version")
        .first()
    )


def bank_item_assert_editable(bank_item: QuestionBankItem) -> None:
    used_by = bank_item_published_use(bank_item)
    if used_by is not None:
        raise PublishedVersionLocked(bank_item_locked_message(bank_item, used_by))


# --------------------------------------------------------------------------- publish / draft


def version_publish(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """Check the version, then publish it and make it the questionnaire's active version."""
    with transaction.atomic():
        # Lock the questionnaire so two publishes of one questionnaire run one after the other.
        questionnaire = Questionnaire.objects.select_for_update().get(pk=version.questionnaire_id)
        full = selectors.version_with_rules(version_id=version.pk)
        problems = _publish_problems(full)
        if problems:
            raise PublishError(problems)
        QuestionnaireVersion.objects.filter(questionnaire=questionnaire, is_active=True).update(
            is_active=False, updated_at=timezone.now()
        )
        full.published_at = timezone.now()
        full.is_active = True
        full.save(update_fields=["published_at", "is_active", "updated_at"])
    version.published_at = full.published_at
    version.is_active = True
    return full


def scoring_engine_problems(*, version_id: int) -> list[str]:
    """Every reason the scoring engine would refuse the version, as "Scoring engine: …" lines.

    The engine's own `check_instrument`, on the instrument it would score. `assessments` is
    imported here, not at module level, because `assessments` imports this app.
    """
    from assessments.scoring import check_instrument
    from assessments.selectors import engine_instrument, version_with_items

    instrument = engine_instrument(version_with_items(version_id))
    return [f"Scoring engine: {problem}" for problem in check_instrument(instrument)]


def version_publish_problems(*, version: QuestionnaireVersion) -> list[str]:
    """Why `version` cannot be published now (empty: it can), without publishing it: what the
    confirmation before publishing shows. `version_publish` checks again under its lock."""
    return _publish_problems(selectors.version_with_rules(version_id=version.pk))


def _publish_problems(full: QuestionnaireVersion) -> list[str]:
    """Every publishing rule on a version loaded by `selectors.version_with_rules`."""
    if full.published_at is not None:
        return [f"Version {full.version} of {full.questionnaire.slug} is already published."]
    model = full.analysis_model
    problems = [
        f"Analysis model {model.slug} › config.{name}: {message}"
        for name, message in model_config_problems(
            model.config or {}, {d.slug for d in model.dimensions.all()}
        )
    ]
    if not full.items.all():
        problems.append("The version has no items; add at least one before publishing.")
    problems += version_problems(version_spec(full), publish_checks=True)
    if problems:
        return problems
    # The rules above speak the author's language; the engine has the last word on what it
    # can score (e.g. composites, which the rules do not look at).
    return scoring_engine_problems(version_id=full.pk)


def version_create_draft(*, from_version: QuestionnaireVersion) -> QuestionnaireVersion:
    """Copy a version (items, mappings, branch rules) into a new unpublished version N+1."""
    with transaction.atomic():
        Questionnaire.objects.select_for_update().get(pk=from_version.questionnaire_id)
        source = selectors.version_with_rules(version_id=from_version.pk)
        last = QuestionnaireVersion.objects.filter(questionnaire_id=source.questionnaire_id).aggregate(
            last=Max("version")
        )["last"]
        draft = QuestionnaireVersion.objects.create(
            questionnaire_id=source.questionnaire_id,
            version=(last or 0) + 1,
            analysis_model_id=source.analysis_model_id,
            instructions=source.instructions,
            observer_instructions=source.observer_instructions,
            sections=copy.deepcopy(source.sections),
            metadata=copy.deepcopy(source.metadata),
            translations=copy.deepcopy(source.translations),
        )
        old_items = list(source.items.all())
        new_items = QuestionnaireItem.objects.bulk_create(
            [
                QuestionnaireItem(
                    version=draft,
                    bank_item_id=item.bank_item_id,
                    key=item.key,
                    sort_order=item.sort_order,
                    section_key=item.section_key,
                    required=item.required,
                    unscored=item.unscored,
                    text_override=item.text_override,
                    help_text_override=item.help_text_override,
                    config_override=copy.deepcopy(item.config_override),
                )
                for item in old_items
            ]
        )
        mappings, rules = [], []
        for old, new in zip(old_items, new_items, strict=True):
            mappings += [
                QuestionTraitMapping(
                    item=new,
                    option_id=m.option_id,
                    dimension_id=m.dimension_id,
                    rule_type=m.rule_type,
                    params=copy.deepcopy(m.params),
                    sort_order=m.sort_order,
                    effective_from=m.effective_from,
                    effective_to=m.effective_to,
                )
                for m in old.mappings.all()
            ]
            rules += [
                QuestionBranchRule(
                    item=new, action=r.action, logic=copy.deepcopy(r.logic), sort_order=r.sort_order
                )
                for r in old.branch_rules.all()
            ]
        QuestionTraitMapping.objects.bulk_create(mappings)
        QuestionBranchRule.objects.bulk_create(rules)
    return draft


# --------------------------------------------------------------------------- observer wording


def version_observer_warning(*, version: QuestionnaireVersion) -> str | None:
    """A warning when surveys use the questionnaire but items of `version` lack observer texts.

    Survey responders answer about someone else; without an observer text they read the
    self-report wording ("Am the life of the party."). Not a publishing error: a questionnaire
    meant only for self-reports needs none."""
    if not QuestionnaireVersion.objects.filter(
        questionnaire_id=version.questionnaire_id, surveys__isnull=False
    ).exists():
        return None
    missing = wording.missing_observer_texts(selectors.version_with_rules(version_id=version.pk))
    if not missing:
        return None
    shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
    return (
        f"Surveys use {version.questionnaire.slug}, but {len(missing)} question text(s) of version "
        f"{version.version} have no observer wording: {shown}. Survey responders answering about "
        "someone will read the self-report text there; add observer texts in a new draft."
    )


# --------------------------------------------------------------------------- the version, as the rules see it


def _db_at(where: str, name: str) -> str:
    return f"{where} › {name}"


def version_spec(version: QuestionnaireVersion) -> VersionSpec:
    """The rules' view of a version loaded by `selectors.version_with_rules`."""
    model = version.analysis_model
    dimensions = {}
    for dimension in model.dimensions.all():
        dimensions[dimension.slug] = DimensionSpec(
            where=f"Dimension {dimension.slug}",
            slug=dimension.slug,
            parent=dimension.parent.slug if dimension.parent_id else None,
            range_min=dimension.range_min,
            range_max=dimension.range_max,
            thresholds=[
                ThresholdSpec(t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)
                for t in dimension.thresholds.all()
            ],
        )
    sections = [s.get("key") for s in version.sections or [] if isinstance(s, dict)]
    items = []
    for item in version.items.all():
        where = f"Item {item.key}"
        bank = item.bank_item
        mappings = []
        for index, m in enumerate(item.mappings.all(), start=1):
            mappings.append(
                MappingSpec(
                    where=f"{where} › mapping {index}",
                    dimension=m.dimension.slug,
                    rule=m.rule_type,
                    params=m.params,
                    option=m.option.key if m.option_id else None,
                    dimension_model=(
                        m.dimension.analysis_model.slug
                        if m.dimension.analysis_model_id != version.analysis_model_id
                        else None
                    ),
                    option_owner=(
                        m.option.bank_item.key if m.option_id and m.option.bank_item_id != bank.pk else None
                    ),
                )
            )
        items.append(
            ItemSpec(
                where=where,
                key=item.key,
                type=bank.question_type,
                section=item.section_key,
                config=item.config,
                unscored=item.unscored,
                options=[OptionSpec(o.key, o.value) for o in bank.options.all()],
                mappings=mappings,
                branch=[
                    BranchSpec(f"{where} › branch rule {index}", r.action, r.logic)
                    for index, r in enumerate(item.branch_rules.all(), start=1)
                ],
            )
        )
    return VersionSpec(
        model_slug=model.slug,
        config=model.config or {},
        dimensions=dimensions,
        sections=[s for s in sections if isinstance(s, str)],
        items=items,
        at=_db_at,
    )
