"""Export: a questionnaire version as the canonical `personai.questionnaire/1` document.

Every field is written; dimensions come in tree order (domains by sort order, each followed by
its facets), everything else in display order; stored floats are written as the numbers they
were (3.0 → 3) and datetimes in UTC, so export → import → export is byte-identical.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from questionnaires import selectors
from questionnaires.models import AnalysisModel, Questionnaire, QuestionnaireItem, QuestionnaireVersion

FORMAT = "personai.questionnaire/1"


def canonical_number(value: float | int | None) -> float | int | None:
    """Numbers as written: 3.0 → 3, so stored floats round-trip to the same JSON."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_moment(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def export_json(version: QuestionnaireVersion) -> str:
    return json.dumps(export_version(version), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_version(version: QuestionnaireVersion) -> dict[str, Any]:
    full = selectors.version_with_rules(version_id=version.pk)
    return {
        "format": FORMAT,
        "analysis_model": export_analysis_model(full.analysis_model),
        "questionnaire": export_questionnaire(full.questionnaire),
        "version": export_version_body(full),
    }


def export_analysis_model(model: AnalysisModel) -> dict[str, Any]:
    dimensions = [
        {
            "slug": d.slug,
            "name": d.name,
            "description": d.description,
            "parent": d.parent.slug if d.parent_id else None,
            "sort_order": d.sort_order,
            "range_hint": (
                None
                if d.range_min is None and d.range_max is None
                else {"min": canonical_number(d.range_min), "max": canonical_number(d.range_max)}
            ),
            "translations": d.translations or {},
            "thresholds": [
                {
                    "key": t.key,
                    "label": t.label,
                    "narrative": t.narrative,
                    "lower": canonical_number(t.lower),
                    "upper": canonical_number(t.upper),
                    "lower_inclusive": t.lower_inclusive,
                    "upper_inclusive": t.upper_inclusive,
                    "translations": t.translations or {},
                }
                for t in d.thresholds.all()
            ],
        }
        for d in model.dimensions.all()
    ]
    return {
        "slug": model.slug,
        "name": model.name,
        "description": model.description,
        "config": model.config or {},
        "translations": model.translations or {},
        "dimensions": tree_order(dimensions),
        "composites": [
            {
                "slug": c.slug,
                "name": c.name,
                "description": c.description,
                "kind": c.kind,
                "dimensions": c.dimensions or [],
                "weights": c.weights or {},
                "translations": c.translations or {},
            }
            for c in model.composites.all()
        ],
    }


def tree_order(dimensions: list[dict]) -> list[dict]:
    """Domains by (sort_order, slug), each followed by its facets in the same order."""
    return selectors.tree_order(
        dimensions,
        slug=lambda d: d["slug"],
        parent=lambda d: d["parent"],
        sort_key=lambda d: (d["sort_order"], d["slug"]),
    )


def export_questionnaire(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "slug": questionnaire.slug,
        "title": questionnaire.title,
        "description": questionnaire.description,
        "default_locale": questionnaire.default_locale,
        "translations": questionnaire.translations or {},
    }


def export_version_body(version: QuestionnaireVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "metadata": version.metadata or {},
        "instructions": version.instructions,
        "observer_instructions": version.observer_instructions,
        "translations": version.translations or {},
        "sections": [
            {
                "key": s.get("key", ""),
                "title": s.get("title", ""),
                "observer_title": s.get("observer_title", ""),
                "translations": s.get("translations") or {},
            }
            for s in version.sections or []
            if isinstance(s, dict)
        ],
        "items": [_export_item(item) for item in version.items.all()],
    }


def _export_item(item: QuestionnaireItem) -> dict[str, Any]:
    bank = item.bank_item
    translations = copy.deepcopy(bank.translations or {})
    # An override replaces the text in every locale (and perspective), so the bank's translations
    # of it do not apply.
    overridden = {
        "text": ("text", "observer_text"),
        "help_text": ("help_text",),
    }
    for field, override in (("text", item.text_override), ("help_text", item.help_text_override)):
        if override:
            for texts in translations.values():
                for name in overridden[field]:
                    texts.pop(name, None)
    translations = {locale: texts for locale, texts in translations.items() if texts}
    return {
        "key": item.key,
        "section": item.section_key,
        "type": bank.question_type,
        "text": item.text_override or bank.text,
        "observer_text": "" if item.text_override else bank.observer_text,
        "help_text": item.help_text_override or bank.help_text,
        "required": item.required,
        "config": item.config,
        "unscored": item.unscored,
        "translations": translations,
        "options": [
            {
                "key": o.key,
                "label": o.label,
                "observer_label": o.observer_label,
                "value": canonical_number(o.value),
                "translations": o.translations or {},
            }
            for o in bank.options.all()
        ],
        "mappings": [
            {
                "dimension": m.dimension.slug,
                "option": m.option.key if m.option_id else None,
                "rule": m.rule_type,
                "params": m.params,
                "effective_from": canonical_moment(m.effective_from),
                "effective_to": canonical_moment(m.effective_to),
            }
            for m in item.mappings.all()
        ],
        "branch": [{"action": r.action, "logic": r.logic} for r in item.branch_rules.all()],
    }
