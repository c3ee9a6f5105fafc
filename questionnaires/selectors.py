"""Reads of the questionnaire library, each prefetching what its caller touches.

`version_display` turns a version loaded by `version_for_display` into what a respondent sees
(in one locale): the API and the admin preview both render it, with a constant number of
queries however many items the version has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Count, Prefetch, QuerySet

from questionnaires import wording
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionTraitMapping,
    TraitDimension,
    translated,
)

T = TypeVar("T")

# --------------------------------------------------------------------------- whole versions


def version_with_rules(*, version_id: int) -> QuestionnaireVersion:
    """A version with everything publishing, drafting and exporting read: 8 queries in all."""
    items = QuestionnaireItem.objects.select_related("bank_item").prefetch_related(
        "bank_item__options",
        Prefetch(
            "mappings",
            queryset=QuestionTraitMapping.objects.select_related(
                "dimension__analysis_model", "option__bank_item"
            ),
        ),
        "branch_rules",
    )
    return (
        QuestionnaireVersion.objects.select_related("questionnaire", "analysis_model")
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch(
                "analysis_model__dimensions",
                queryset=TraitDimension.objects.select_related("parent").prefetch_related("thresholds"),
            ),
            "analysis_model__composites",
        )
        .get(pk=version_id)
    )


def analysis_model_with_definition(*, slug: str) -> AnalysisModel | None:
    return (
        AnalysisModel.objects.prefetch_related(
            Prefetch(
                "dimensions",
                queryset=TraitDimension.objects.select_related("parent").prefetch_related("thresholds"),
            ),
            "composites",
        )
        .filter(slug=slug)
        .first()
    )


def analysis_model_published_versions(*, analysis_model: AnalysisModel) -> list[QuestionnaireVersion]:
    return list(
        QuestionnaireVersion.objects.filter(analysis_model=analysis_model, published_at__isnull=False)
        .select_related("questionnaire")
        .order_by("questionnaire__slug", "version")
    )


def dimensions_in_use(*, analysis_model: AnalysisModel) -> dict[str, list[str]]:
    """{dimension slug: ["ipip v1", …]} for dimensions that mappings point at."""
    rows = (
        QuestionTraitMapping.objects.filter(dimension__analysis_model=analysis_model)
        .values_list("dimension__slug", "item__version__questionnaire__slug", "item__version__version")
        .distinct()
        .order_by("dimension__slug", "item__version__questionnaire__slug", "item__version__version")
    )
    used: dict[str, list[str]] = {}
    for slug, questionnaire, number in rows:
        used.setdefault(slug, []).append(f"{questionnaire} v{number}")
    return used


def bank_items_with_prefix(*, prefix: str) -> list[QuestionBankItem]:
    return list(QuestionBankItem.objects.filter(key__startswith=prefix).prefetch_related("options"))


def version_get(*, questionnaire_slug: str, number: int) -> QuestionnaireVersion | None:
    return (
        QuestionnaireVersion.objects.select_related("questionnaire", "analysis_model")
        .filter(questionnaire__slug=questionnaire_slug, version=number)
        .first()
    )


def version_active(*, questionnaire_slug: str) -> QuestionnaireVersion | None:
    return (
        QuestionnaireVersion.objects.select_related("questionnaire", "analysis_model")
        .filter(questionnaire__slug=questionnaire_slug, is_active=True)
        .first()
    )


def tree_order(
    nodes: list[T],
    *,
    slug: Callable[[T], str],
    parent: Callable[[T], str | None],
    sort_key: Callable[[T], Any],
) -> list[T]:
    """Domains in `sort_key` order, each followed by its facets (recursively) in the same order."""
    slugs = {slug(node) for node in nodes}
    children: dict[str | None, list[T]] = defaultdict(list)
    for node in nodes:
        children[parent(node) if parent(node) in slugs else None].append(node)
    ordered: list[T] = []
    placed: set[int] = set()

    def visit(key: str | None) -> None:
        for node in sorted(children.get(key, []), key=sort_key):
            if id(node) not in placed:
                placed.add(id(node))
                ordered.append(node)
                visit(slug(node))

    visit(None)
    # Only a parent cycle leaves nodes unplaced; keep them, in order, at the end.
    return ordered + sorted((n for n in nodes if id(n) not in placed), key=sort_key)


# --------------------------------------------------------------------------- catalogue


def questionnaire_list_published() -> QuerySet[Questionnaire]:
    """Active questionnaires that have a published active version, with it in `active_versions`."""
    active = (
        QuestionnaireVersion.objects.filter(is_active=True)
        .select_related("analysis_model")
        .annotate(item_count=Count("items"))
    )
    return (
        Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE, versions__is_active=True)
        .prefetch_related(Prefetch("versions", queryset=active, to_attr="active_versions"))
        .order_by("title", "slug")
    )


def questionnaire_summary(questionnaire: Questionnaire, *, locale: str | None) -> dict[str, Any]:
    version = questionnaire.active_versions[0]
    locale = None if locale == questionnaire.default_locale else locale
    return {
        "slug": questionnaire.slug,
        "title": translated(questionnaire, "title", locale),
        "description": translated(questionnaire, "description", locale),
        "default_locale": questionnaire.default_locale,
        "active_version": version.version,
        "item_count": version.item_count,
        "analysis_model": {"slug": version.analysis_model.slug, "name": version.analysis_model.name},
    }


def version_for_display(
    *, slug: str, number: int | None = None, include_unpublished: bool = False
) -> QuestionnaireVersion | None:
    """The active version (or version `number`) of a questionnaire, ready for `version_display`.

    Five queries: the version, its items with their bank items, the options, the branch rules
    and the analysis model's dimensions.
    """
    versions = QuestionnaireVersion.objects.select_related("questionnaire", "analysis_model").filter(
        questionnaire__slug=slug
    )
    if number is None:
        versions = versions.filter(is_active=True)
    else:
        versions = versions.filter(version=number)
        if not include_unpublished:
            versions = versions.filter(published_at__isnull=False)
    return versions.prefetch_related(
        Prefetch(
            "items",
            queryset=QuestionnaireItem.objects.select_related("bank_item").prefetch_related(
                "bank_item__options", "branch_rules"
            ),
        ),
        Prefetch("analysis_model__dimensions", queryset=TraitDimension.objects.all()),
    ).first()


def version_for_preview(*, version_id: int) -> QuestionnaireVersion | None:
    version = QuestionnaireVersion.objects.filter(pk=version_id).select_related("questionnaire").first()
    if version is None:
        return None
    return version_for_display(
        slug=version.questionnaire.slug, number=version.version, include_unpublished=True
    )


def available_locales(version: QuestionnaireVersion) -> list[str]:
    """The default locale first, then every locale any text of the version is translated into."""
    found: set[str] = set()
    found.update(version.questionnaire.translations or {})
    found.update(version.translations or {})
    for section in version.sections or []:
        if isinstance(section, dict):
            found.update(section.get("translations") or {})
    for item in version.items.all():
        found.update(item.bank_item.translations or {})
        for option in item.bank_item.options.all():
            found.update(option.translations or {})
    default = version.questionnaire.default_locale
    return [default, *sorted(found - {default})]


def resolve_locale(version: QuestionnaireVersion, requested: str | None) -> str:
    """The requested locale when the version has texts in it, otherwise the default locale."""
    if requested and requested in available_locales(version):
        return requested
    return version.questionnaire.default_locale


def version_display(
    version: QuestionnaireVersion, *, locale: str | None = None, about: str | None = None
) -> dict[str, Any]:
    """What a respondent sees of `version` in `locale` (falling back to the default locale).

    `about`: the person an observer answers about (a survey's responders), whose wording the
    texts then take (`questionnaires.wording`); None for a self-report."""
    questionnaire = version.questionnaire
    locales = available_locales(version)
    locale = locale if locale in locales else questionnaire.default_locale
    lang = None if locale == questionnaire.default_locale else locale
    items = []
    for item in version.items.all():
        bank = item.bank_item
        config = {k: v for k, v in item.config.items() if not k.startswith("observer_")}
        if bank.question_type == QuestionBankItem.QuestionType.SCALAR:
            for label in ("min_label", "max_label"):
                text = wording.scale_label(item, label, lang, about)
                if text:
                    config[label] = text
        items.append(
            {
                "key": item.key,
                "section": item.section_key,
                "type": bank.question_type,
                "text": wording.item_text(item, lang, about),
                "help_text": item.help_text_in(lang),
                "required": item.required,
                "config": config,
                "options": [
                    {"key": o.key, "label": wording.option_label(o, lang, about), "value": o.value}
                    for o in bank.options.all()
                ],
                "branch": [{"action": r.action, "logic": r.logic} for r in item.branch_rules.all()],
            }
        )
    slugs = {d.pk: d.slug for d in version.analysis_model.dimensions.all()}
    dimensions = tree_order(
        list(version.analysis_model.dimensions.all()),
        slug=lambda d: d.slug,
        parent=lambda d: slugs.get(d.parent_id),
        sort_key=lambda d: (d.sort_order, d.slug),
    )
    model = version.analysis_model
    return {
        "slug": questionnaire.slug,
        "title": translated(questionnaire, "title", lang),
        "description": translated(questionnaire, "description", lang),
        "locale": locale,
        "available_locales": locales,
        "version": version.version,
        "is_active": version.is_active,
        "published_at": version.published_at,
        "instructions": wording.instructions(version, lang, about),
        "sections": [
            {"key": s.get("key", ""), "title": wording.section_title(version, s.get("key", ""), lang, about)}
            for s in version.sections or []
            if isinstance(s, dict)
        ],
        "items": items,
        "analysis_model": {
            "slug": model.slug,
            "name": translated(model, "name", lang),
            "dimensions": [
                {"slug": d.slug, "name": translated(d, "name", lang), "parent": slugs.get(d.parent_id)}
                for d in dimensions
            ],
        },
    }
