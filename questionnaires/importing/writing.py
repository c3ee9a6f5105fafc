"""Import: check a document completely, then against the database, then write it in one transaction."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from questionnaires import selectors, services
from questionnaires.importing.exporting import (
    canonical_number,
    export_analysis_model,
    export_questionnaire,
    export_version,
)
from questionnaires.importing.reading import Reader, shown
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    QuestionBranchRule,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    QuestionTraitMapping,
    TraitComposite,
    TraitDimension,
    TraitThreshold,
)

_IMPORT_LOCK = 0x5E5A_0001  # pg_advisory_xact_lock key: imports run one at a time


class ImportValidationError(Exception):
    """The document cannot be imported; `errors` lists every problem as "<JSON path>: <message>"."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class ImportResult:
    version: QuestionnaireVersion
    created: bool  # False: the identical version was already there
    updated: bool = False  # the analysis model or questionnaire details were updated


def import_json(text: str | bytes, *, publish: bool = True) -> ImportResult:
    """`import_document` for the text of a file; invalid JSON is reported like any other error."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportValidationError(
            [f"$: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImportValidationError(["$: the file is not UTF-8 text"]) from exc
    return import_document(data, publish=publish)


def import_document(data: dict, *, publish: bool = True) -> ImportResult:
    """Import one questionnaire version; publish it (making it active) unless `publish=False`.

    Raises `ImportValidationError` listing every problem, having written nothing. Importing a
    document whose version already exists with the same content returns `created=False`.
    """
    reader = Reader()
    doc = reader.read(data, publish=publish)
    if reader.errors:
        raise ImportValidationError(sorted(reader.errors, key=_in_document_order))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])
        state = _database_state(doc, reader.dimension_paths)
        if state.errors:
            raise ImportValidationError(state.errors)
        model = (
            _write_analysis_model(doc["analysis_model"], state.model) if state.model_changed else state.model
        )
        questionnaire = _write_questionnaire(doc["questionnaire"], state.questionnaire, model)
        updated = (
            state.model_changed or questionnaire is not state.questionnaire or state.questionnaire_changed
        )
        if state.version is not None:
            return ImportResult(version=state.version, created=False, updated=updated)
        version = _write_version(doc["version"], questionnaire, model)
        if publish:
            try:
                version = services.version_publish(version=version)
            except services.PublishError as exc:  # checked above already; kept as a safety net
                raise ImportValidationError([f"$.version: {m}" for m in exc.messages]) from exc
    return ImportResult(version=version, created=True, updated=updated)


def _in_document_order(error: str) -> list:
    """Sort key: the error's JSON path, with list indexes compared as numbers (items[2] < items[10])."""
    path = error.split(": ", 1)[0]
    return [int(part) if part.isdigit() else part for part in re.split(r"\[(\d+)\]", path)]


@dataclass
class _State:
    errors: list[str]
    model: AnalysisModel | None
    model_changed: bool
    questionnaire: Questionnaire | None
    questionnaire_changed: bool
    version: QuestionnaireVersion | None  # the identical existing version


def _database_state(doc: dict, dimension_paths: dict[str, str]) -> _State:
    errors: list[str] = []
    model_doc, questionnaire_doc, version_doc = doc["analysis_model"], doc["questionnaire"], doc["version"]
    model = selectors.analysis_model_with_definition(slug=model_doc["slug"])
    model_changed = model is None
    if model is not None:
        stored = export_analysis_model(model)
        if stored != model_doc:
            model_changed = True
            errors += _model_change_problems(model, stored, model_doc, dimension_paths)
    questionnaire = Questionnaire.objects.filter(slug=questionnaire_doc["slug"]).first()
    existing = None
    questionnaire_changed = False
    if questionnaire is not None:
        questionnaire_changed = export_questionnaire(questionnaire) != questionnaire_doc
        if (
            questionnaire.default_locale != questionnaire_doc["default_locale"]
            and questionnaire.versions.exists()
        ):
            errors.append(
                f'$.questionnaire.default_locale: questionnaire "{questionnaire.slug}" is written in '
                f'"{questionnaire.default_locale}"; its versions\' texts would change meaning'
            )
        existing = selectors.version_get(questionnaire_slug=questionnaire.slug, number=version_doc["version"])
    if existing is not None:
        label = f"version {existing.version} of {questionnaire.slug}"
        stored_model = existing.analysis_model.slug
        if stored_model != model_doc["slug"]:
            errors.append(
                f'$.analysis_model.slug: {label} already exists with analysis model "{stored_model}"'
            )
        elif export_version(existing)["version"] != version_doc:
            state = "it is published and never changes" if existing.published_at else "it is a draft"
            errors.append(
                f"$.version.version: {label} already exists with different content ({state}); "
                "give the changed document a new version number"
            )
    return _State(errors, model, model_changed, questionnaire, questionnaire_changed, existing)


def _model_change_problems(model: AnalysisModel, stored: dict, new: dict, paths: dict[str, str]) -> list[str]:
    """An existing analysis model may change, but not in ways that change published scores."""
    errors = []
    new_dimensions = {d["slug"]: d for d in new["dimensions"]}
    for slug, users in selectors.dimensions_in_use(analysis_model=model).items():
        if slug not in new_dimensions:
            errors.append(
                f'$.analysis_model.dimensions: dimension "{slug}" is missing, but mappings of '
                f"{', '.join(users)} use it"
            )
    published = selectors.analysis_model_published_versions(analysis_model=model)
    if not published:
        return errors
    users = ", ".join(f"{v.questionnaire.slug} v{v.version}" for v in published)
    why = (
        f'; published versions use analysis model "{model.slug}" ({users}) and their scores must not '
        "change — give the changed model a new slug"
    )
    if stored["config"] != new["config"]:
        errors.append(f"$.analysis_model.config: differs from the stored model{why}")
    for old in stored["dimensions"]:
        current = new_dimensions.get(old["slug"])
        if current is None:
            if not any(f'"{old["slug"]}" is missing' in e for e in errors):
                errors.append(f'$.analysis_model.dimensions: dimension "{old["slug"]}" is missing{why}')
            continue
        path = paths.get(old["slug"], "$.analysis_model.dimensions")
        for name in ("parent", "sort_order"):
            if old[name] != current[name]:
                errors.append(f"{path}.{name}: differs from the stored model ({shown(old[name])}){why}")
        if _band_view(old) != _band_view(current):
            errors.append(f"{path}.thresholds: bounds or keys differ from the stored model{why}")
    composites = [(c["slug"], c["kind"], c["dimensions"], c["weights"]) for c in stored["composites"]]
    if composites != [(c["slug"], c["kind"], c["dimensions"], c["weights"]) for c in new["composites"]]:
        errors.append(f"$.analysis_model.composites: differ from the stored model{why}")
    return errors


def _band_view(dimension: dict) -> list[tuple]:
    return [
        (t["key"], t["lower"], t["upper"], t["lower_inclusive"], t["upper_inclusive"])
        for t in dimension["thresholds"]
    ]


# --------------------------------------------------------------------------- writing


def _write_analysis_model(doc: dict, model: AnalysisModel | None) -> AnalysisModel:
    existing_dimensions = {d.slug: d for d in model.dimensions.all()} if model is not None else {}
    existing_composites = {c.slug: c for c in model.composites.all()} if model is not None else {}
    model = model or AnalysisModel(slug=doc["slug"])
    model.name, model.description = doc["name"], doc["description"]
    model.config, model.translations = doc["config"], doc["translations"]
    model.save()
    written: dict[str, TraitDimension] = {}
    for d in doc["dimensions"]:  # tree order: a parent is written before its facets
        dimension = existing_dimensions.get(d["slug"]) or TraitDimension(analysis_model=model, slug=d["slug"])
        hint = d["range_hint"] or {}
        dimension.name, dimension.description = d["name"], d["description"]
        dimension.parent = written[d["parent"]] if d["parent"] else None
        dimension.sort_order, dimension.translations = d["sort_order"], d["translations"]
        dimension.range_min, dimension.range_max = hint.get("min"), hint.get("max")
        is_new = dimension.pk is None
        dimension.save()
        written[d["slug"]] = dimension
        _write_thresholds(dimension, d["thresholds"], [] if is_new else list(dimension.thresholds.all()))
    TraitDimension.objects.filter(analysis_model=model).exclude(slug__in=list(written)).delete()
    for index, c in enumerate(doc["composites"]):
        composite = existing_composites.pop(c["slug"], None) or TraitComposite(
            analysis_model=model, slug=c["slug"]
        )
        composite.name, composite.description, composite.kind = c["name"], c["description"], c["kind"]
        composite.dimensions, composite.weights = c["dimensions"], c["weights"]
        composite.translations, composite.sort_order = c["translations"], index
        composite.save()
    TraitComposite.objects.filter(pk__in=[c.pk for c in existing_composites.values()]).delete()
    return model


def _write_thresholds(dimension: TraitDimension, docs: list[dict], existing: list[TraitThreshold]) -> None:
    by_key = {t.key: t for t in existing}
    for index, t in enumerate(docs):
        threshold = by_key.pop(t["key"], None) or TraitThreshold(dimension=dimension, key=t["key"])
        for name in (
            "label",
            "narrative",
            "lower",
            "upper",
            "lower_inclusive",
            "upper_inclusive",
            "translations",
        ):
            setattr(threshold, name, t[name])
        threshold.sort_order = index
        threshold.save()
    TraitThreshold.objects.filter(pk__in=[t.pk for t in by_key.values()]).delete()


def _write_questionnaire(
    doc: dict, questionnaire: Questionnaire | None, model: AnalysisModel
) -> Questionnaire:
    if questionnaire is not None and export_questionnaire(questionnaire) == doc:
        if questionnaire.default_analysis_model_id is None:
            questionnaire.default_analysis_model = model
            questionnaire.save(update_fields=["default_analysis_model", "updated_at"])
        return questionnaire
    questionnaire = questionnaire or Questionnaire(slug=doc["slug"], default_analysis_model=model)
    questionnaire.title, questionnaire.description = doc["title"], doc["description"]
    questionnaire.default_locale, questionnaire.translations = doc["default_locale"], doc["translations"]
    questionnaire.default_analysis_model = questionnaire.default_analysis_model or model
    questionnaire.save()
    return questionnaire


def _bank_content(bank: QuestionBankItem) -> tuple:
    return (
        bank.question_type,
        bank.text,
        bank.observer_text,
        bank.help_text,
        bank.config or {},
        bank.translations or {},
        [
            (o.key, o.label, o.observer_label, canonical_number(o.value), o.translations or {})
            for o in bank.options.all()
        ],
    )


def _doc_bank_content(item: dict) -> tuple:
    return (
        item["type"],
        item["text"],
        item["observer_text"],
        item["help_text"],
        item["config"],
        item["translations"],
        [(o["key"], o["label"], o["observer_label"], o["value"], o["translations"]) for o in item["options"]],
    )


def _free_key(base: str, number: int, taken: set[str]) -> str:
    candidates = [base, f"{base}@v{number}"]
    candidates += (f"{base}@v{number}-{n}" for n in range(2, len(taken) + 3))
    return next(key for key in candidates if key not in taken)


def _write_version(doc: dict, questionnaire: Questionnaire, model: AnalysisModel) -> QuestionnaireVersion:
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        version=doc["version"],
        analysis_model=model,
        instructions=doc["instructions"],
        observer_instructions=doc["observer_instructions"],
        sections=doc["sections"],
        metadata=doc["metadata"],
        translations=doc["translations"],
    )
    # Reuse an identical bank item (the same question in an earlier version); never change one.
    stored = selectors.bank_items_with_prefix(prefix=f"{questionnaire.slug}/")
    taken = {bank.key for bank in stored}
    bank_items: list[QuestionBankItem] = []
    new_banks: list[QuestionBankItem] = []
    for item in doc["items"]:
        base = f"{questionnaire.slug}/{item['key']}"
        family = sorted(
            (b for b in stored if b.key == base or b.key.startswith(base + "@")),
            key=lambda b: (b.key != base, b.key),
        )
        content = _doc_bank_content(item)
        match = next((b for b in family if _bank_content(b) == content), None)
        if match is None:
            key = _free_key(base, doc["version"], taken)
            taken.add(key)
            match = QuestionBankItem(
                key=key,
                question_type=item["type"],
                text=item["text"],
                observer_text=item["observer_text"],
                help_text=item["help_text"],
                config=item["config"],
                translations=item["translations"],
            )
            new_banks.append(match)
        bank_items.append(match)
    QuestionBankItem.objects.bulk_create(new_banks)
    new_ids = {id(bank) for bank in new_banks}
    QuestionOption.objects.bulk_create(
        [
            QuestionOption(
                bank_item=bank,
                key=o["key"],
                label=o["label"],
                observer_label=o["observer_label"],
                value=o["value"],
                sort_order=index,
                translations=o["translations"],
            )
            for bank, item in zip(bank_items, doc["items"], strict=True)
            if id(bank) in new_ids
            for index, o in enumerate(item["options"])
        ]
    )
    option_ids = {
        (bank_id, key): pk
        for pk, bank_id, key in QuestionOption.objects.filter(bank_item__in=bank_items).values_list(
            "pk", "bank_item_id", "key"
        )
    }
    dimension_ids = dict(TraitDimension.objects.filter(analysis_model=model).values_list("slug", "pk"))
    items = QuestionnaireItem.objects.bulk_create(
        [
            QuestionnaireItem(
                version=version,
                bank_item=bank,
                key=item["key"],
                sort_order=index,
                section_key=item["section"],
                required=item["required"],
                unscored=item["unscored"],
            )
            for index, (bank, item) in enumerate(zip(bank_items, doc["items"], strict=True))
        ]
    )
    mappings, rules = [], []
    for row, bank, item in zip(items, bank_items, doc["items"], strict=True):
        mappings += [
            QuestionTraitMapping(
                item=row,
                option_id=option_ids[(bank.pk, m["option"])] if m["option"] is not None else None,
                dimension_id=dimension_ids[m["dimension"]],
                rule_type=m["rule"],
                params=m["params"],
                sort_order=index,
                effective_from=datetime.fromisoformat(m["effective_from"]) if m["effective_from"] else None,
                effective_to=datetime.fromisoformat(m["effective_to"]) if m["effective_to"] else None,
            )
            for index, m in enumerate(item["mappings"])
        ]
        rules += [
            QuestionBranchRule(item=row, action=b["action"], logic=b["logic"], sort_order=index)
            for index, b in enumerate(item["branch"])
        ]
    QuestionTraitMapping.objects.bulk_create(mappings)
    QuestionBranchRule.objects.bulk_create(rules)
    return version
