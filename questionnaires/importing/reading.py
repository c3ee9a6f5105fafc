"""Reading a document: structure, references and the publishing rules, every error with its JSON path.

`Reader.read` returns the document in the canonical form `exporting` writes (defaults filled in,
numbers and datetimes normalised) and collects errors in `Reader.errors` instead of stopping at
the first; the publishing rules themselves are `validation.version_problems`, shared with
`services.version_publish`.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from questionnaires import validation
from questionnaires.importing.exporting import FORMAT, canonical_moment, canonical_number, tree_order
from questionnaires.models import QuestionBranchRule, TraitComposite

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
ITEM_KEY_MAX_LENGTH = 80  # bank keys are "<questionnaire>/<item>[@vN]" in 200 characters
# What an item's translation may hold: its texts, a scalar's labels, and their observer forms.
ITEM_TRANSLATABLE = (
    "text",
    "observer_text",
    "help_text",
    "min_label",
    "max_label",
    "observer_min_label",
    "observer_max_label",
)
INVALID = object()  # stands in for a value that failed its check (the error is recorded)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "an object"
    )


# /api/v1/questionnaires/import/ is an endpoint, so no questionnaire may be called that.
RESERVED_QUESTIONNAIRE_SLUGS = frozenset({"import"})


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


Check = Callable[[Any, str], Any]


class Reader:
    """Checks a document's structure and references, collecting every error with its JSON path,
    and returns it in canonical form (defaults filled in, numbers and datetimes normalised)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dimension_paths: dict[str, str] = {}
        self.dimension_specs: dict[str, validation.DimensionSpec] = {}
        self.malformed_items: set[str] = set()  # paths of items with structural errors
        self.malformed_thresholds: dict[str, bool] = {}  # dimension path -> a threshold is malformed

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # ---- field checks: each returns the canonical value, or INVALID after recording an error

    def fields(self, value: Any, path: str, spec: dict[str, tuple[bool, Check, Any]]) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"must be an object, not {_kind(value)}")
            return None
        for name in value:
            if name not in spec:
                self.error(f"{path}.{name}", f"unknown field (expected: {', '.join(spec)})")
        out = {}
        for name, (required, check, default) in spec.items():
            if name in value:
                out[name] = check(value[name], f"{path}.{name}")
            elif required:
                self.error(f"{path}.{name}", "is required")
                out[name] = INVALID
            else:
                out[name] = copy.deepcopy(default)
        return out

    def key(self, max_length: int, *, nullable: bool = False, blank: bool = False) -> Check:
        def check(value: Any, path: str) -> Any:
            if (value is None and nullable) or (value == "" and blank):
                return value
            if not isinstance(value, str) or not KEY_PATTERN.match(value):
                self.error(
                    path,
                    f'must be a key of lowercase letters, digits, "-", "_" and "." (got {shown(value)})',
                )
                return INVALID
            if len(value) > max_length:
                self.error(path, f"must be at most {max_length} characters long")
                return INVALID
            return value

        return check

    def text(self, max_length: int | None = None, *, blank: bool = True) -> Check:
        def check(value: Any, path: str) -> Any:
            if not isinstance(value, str):
                self.error(path, f"must be a string, not {_kind(value)}")
                return INVALID
            if not blank and not value.strip():
                self.error(path, "must not be empty")
                return INVALID
            if max_length is not None and len(value) > max_length:
                self.error(path, f"must be at most {max_length} characters long")
                return INVALID
            return value

        return check

    def boolean(self, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, not {_kind(value)}")
            return INVALID
        return value

    def number_or_null(self, value: Any, path: str) -> Any:
        if value is None:
            return None
        if not _is_number(value):
            self.error(path, f"must be a number or null, not {_kind(value)}")
            return INVALID
        return canonical_number(value)

    def whole(self, minimum: int) -> Check:
        def check(value: Any, path: str) -> Any:
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                self.error(path, f"must be a whole number of at least {minimum} (got {shown(value)})")
                return INVALID
            return value

        return check

    def choice(self, values: tuple[str, ...]) -> Check:
        def check(value: Any, path: str) -> Any:
            if value not in values:
                self.error(path, f"must be one of {', '.join(values)} (got {shown(value)})")
                return INVALID
            return value

        return check

    def obj(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.error(path, f"must be an object, not {_kind(value)}")
            return INVALID
        return copy.deepcopy(value)

    def array(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {_kind(value)}")
            return INVALID
        return value

    def anything(self, value: Any, path: str) -> Any:
        return copy.deepcopy(value)

    def locale(self, value: Any, path: str) -> Any:
        if not isinstance(value, str) or not LOCALE_PATTERN.match(value) or len(value) > 10:
            self.error(path, f'must be a locale code such as "en" or "de" (got {shown(value)})')
            return INVALID
        return value

    def translations(self, allowed: tuple[str, ...]) -> Check:
        def check(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                self.error(path, f"must be an object keyed by locale, not {_kind(value)}")
                return INVALID
            for locale, texts in value.items():
                where = f"{path}.{locale}"
                if not LOCALE_PATTERN.match(locale):
                    self.error(where, 'must be keyed by a locale code such as "de"')
                if not isinstance(texts, dict):
                    self.error(where, f"must be an object of texts, not {_kind(texts)}")
                    continue
                for name, text in texts.items():
                    if name not in allowed:
                        self.error(
                            f"{where}.{name}",
                            f"cannot be translated here (translatable: {', '.join(allowed)})",
                        )
                    elif not isinstance(text, str):
                        self.error(f"{where}.{name}", f"must be a string, not {_kind(text)}")
            return copy.deepcopy(value)

        return check

    def moment(self, value: Any, path: str) -> Any:
        if value is None:
            return None
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            self.error(path, f"must be an ISO 8601 date-time or null (got {shown(value)})")
            return INVALID
        if parsed.utcoffset() is None:
            self.error(path, 'must include a time zone, e.g. "2025-01-01T00:00:00Z"')
            return INVALID
        return canonical_moment(parsed)

    def objects(
        self, value: Any, path: str, read: Callable[[Any, str], dict | None]
    ) -> list[tuple[str, dict]]:
        """Reads each element of a list; returns (path, canonical element) for the readable ones."""
        if value is INVALID or not isinstance(value, list):
            return []
        out = []
        for index, element in enumerate(value):
            element_path = f"{path}[{index}]"
            result = read(element, element_path)
            if result is not None:
                out.append((element_path, result))
        return out

    def unique(self, entries: list[tuple[str, dict]], field: str, what: str) -> None:
        seen: dict[Any, str] = {}
        for path, entry in entries:
            value = entry.get(field)
            if value is INVALID:
                continue
            if value in seen:
                self.error(f"{path}.{field}", f'duplicate {what} "{value}" (also at {seen[value]})')
            else:
                seen[value] = path

    # ---- the document

    def read(self, data: Any, *, publish: bool) -> dict:
        root = self.fields(
            data,
            "$",
            {
                "format": (True, self.anything, None),
                "analysis_model": (True, self.anything, None),
                "questionnaire": (True, self.anything, None),
                "version": (True, self.anything, None),
            },
        )
        if root is None:
            return {}
        if root["format"] is not INVALID and root["format"] != FORMAT:
            self.error("$.format", f'must be "{FORMAT}" (got {shown(root["format"])})')
        model = self.analysis_model(root["analysis_model"]) if "analysis_model" in data else None
        questionnaire = self.questionnaire(root["questionnaire"]) if "questionnaire" in data else None
        version, specs = self.version(root["version"]) if "version" in data else (None, [])
        if model is not None and version is not None:
            spec = validation.VersionSpec(
                model_slug=model["slug"],
                config=model["config"] if isinstance(model["config"], dict) else {},
                dimensions=self.dimension_specs,
                sections=[s["key"] for s in version["sections"] if isinstance(s["key"], str)],
                items=specs,
                at=lambda where, name: f"{where}.{name}",
            )
            self.errors += validation.version_problems(spec, publish_checks=publish)
        return {"format": FORMAT, "analysis_model": model, "questionnaire": questionnaire, "version": version}

    def analysis_model(self, value: Any) -> dict | None:
        path = "$.analysis_model"
        model = self.fields(
            value,
            path,
            {
                "slug": (True, self.key(100), None),
                "name": (True, self.text(200, blank=False), None),
                "description": (False, self.text(), ""),
                "config": (False, self.obj, {}),
                "translations": (False, self.translations(("name", "description")), {}),
                "dimensions": (False, self.array, []),
                "composites": (False, self.array, []),
            },
        )
        if model is None:
            return None
        dimensions = self.objects(model["dimensions"], f"{path}.dimensions", self.dimension)
        self.unique(dimensions, "slug", "dimension")
        slugs = {d["slug"] for _, d in dimensions if d["slug"] is not INVALID}
        parents = {d["slug"]: d["parent"] for _, d in dimensions if d["slug"] is not INVALID}
        for where, d in dimensions:
            parent = d["parent"]
            if parent in (None, INVALID):
                continue
            if parent == d["slug"]:
                self.error(f"{where}.parent", "a dimension cannot be its own parent")
            elif parent not in slugs:
                self.error(f"{where}.parent", f'unknown dimension "{parent}"')
            else:
                seen, slug = {d["slug"]}, parent
                while slug is not None and slug in parents and slug is not INVALID:
                    if slug in seen:
                        self.error(f"{where}.parent", "parents form a cycle")
                        break
                    seen.add(slug)
                    slug = parents[slug]
        for where, d in dimensions:
            if d["slug"] is INVALID or d["slug"] in self.dimension_paths:
                continue
            self.dimension_paths[d["slug"]] = where
            hint = d["range_hint"] if isinstance(d["range_hint"], dict) else {}
            bands = ("lower", "upper", "lower_inclusive", "upper_inclusive")
            self.dimension_specs[d["slug"]] = validation.DimensionSpec(
                where=where,
                slug=d["slug"],
                parent=d["parent"] if d["parent"] is not INVALID else None,
                range_min=hint.get("min"),
                range_max=hint.get("max"),
                thresholds=[validation.ThresholdSpec(*(t[name] for name in bands)) for t in d["thresholds"]],
                complete=not self.malformed_thresholds.get(where),
            )
        composites = self.objects(model["composites"], f"{path}.composites", self.composite)
        self.unique(composites, "slug", "composite")
        for where, c in composites:
            if isinstance(c["dimensions"], list):
                for index, slug in enumerate(c["dimensions"]):
                    if slug not in slugs:
                        self.error(f"{where}.dimensions[{index}]", f"unknown dimension {shown(slug)}")
            if isinstance(c["weights"], dict):
                for slug, weight in c["weights"].items():
                    if slug not in slugs:
                        self.error(f"{where}.weights.{slug}", f'unknown dimension "{slug}"')
                    elif not _is_number(weight):
                        self.error(f"{where}.weights.{slug}", "must be a number")
            if c["kind"] == "argmax" and not c["dimensions"]:
                self.error(f"{where}.dimensions", "an argmax composite needs at least one dimension")
            if c["kind"] == "weighted_sum" and not c["weights"]:
                self.error(f"{where}.weights", "a weighted_sum composite needs at least one weight")
        if isinstance(model["config"], dict):
            self.model_config(model["config"], f"{path}.config", slugs)
        model["dimensions"] = tree_order([d for _, d in dimensions])
        model["composites"] = [c for _, c in composites]
        return model

    def model_config(self, config: dict, path: str, slugs: set[str]) -> None:
        for name, message in validation.model_config_problems(config, slugs):
            self.error(f"{path}.{name}", message)

    def dimension(self, value: Any, path: str) -> dict | None:
        d = self.fields(
            value,
            path,
            {
                "slug": (True, self.key(100), None),
                "name": (True, self.text(200, blank=False), None),
                "description": (False, self.text(), ""),
                "parent": (False, self.key(100, nullable=True), None),
                "sort_order": (False, self.whole(0), 0),
                "range_hint": (False, self.range_hint, None),
                "translations": (False, self.translations(("name", "description")), {}),
                "thresholds": (False, self.array, []),
            },
        )
        if d is None:
            return None
        errors_before = len(self.errors)
        thresholds = self.objects(d["thresholds"], f"{path}.thresholds", self.threshold)
        self.unique(thresholds, "key", "threshold")
        d["thresholds"] = [t for _, t in thresholds]
        self.malformed_thresholds[path] = len(self.errors) > errors_before
        return d

    def range_hint(self, value: Any, path: str) -> Any:
        if value is None:
            return None
        hint = self.fields(
            value,
            path,
            {"min": (False, self.number_or_null, None), "max": (False, self.number_or_null, None)},
        )
        if hint is None or INVALID in hint.values():
            return INVALID
        if hint["min"] is not None and hint["max"] is not None and hint["min"] > hint["max"]:
            self.error(path, "min is above max")
        return None if hint["min"] is None and hint["max"] is None else hint

    def threshold(self, value: Any, path: str) -> dict | None:
        t = self.fields(
            value,
            path,
            {
                "key": (True, self.key(50), None),
                "label": (True, self.text(100, blank=False), None),
                "narrative": (False, self.text(), ""),
                "lower": (False, self.number_or_null, None),
                "upper": (False, self.number_or_null, None),
                "lower_inclusive": (False, self.boolean, True),
                "upper_inclusive": (False, self.boolean, False),
                "translations": (False, self.translations(("label", "narrative")), {}),
            },
        )
        if t is None:
            return None
        lower, upper = t["lower"], t["upper"]
        if _is_number(lower) and _is_number(upper):
            if lower > upper:
                self.error(path, "lower is above upper")
            elif lower == upper and not (t["lower_inclusive"] is True and t["upper_inclusive"] is True):
                self.error(path, "the band is empty (lower equals upper but a bound is exclusive)")
        return t

    def composite(self, value: Any, path: str) -> dict | None:
        return self.fields(
            value,
            path,
            {
                "slug": (True, self.key(100), None),
                "name": (True, self.text(200, blank=False), None),
                "description": (False, self.text(), ""),
                "kind": (True, self.choice(tuple(TraitComposite.Kind.values)), None),
                "dimensions": (False, self.array, []),
                "weights": (False, self.obj, {}),
                "translations": (False, self.translations(("name", "description")), {}),
            },
        )

    def questionnaire(self, value: Any) -> dict | None:
        return self.fields(
            value,
            "$.questionnaire",
            {
                "slug": (True, self.questionnaire_slug, None),
                "title": (True, self.text(200, blank=False), None),
                "description": (False, self.text(), ""),
                "default_locale": (False, self.locale, "en"),
                "translations": (False, self.translations(("title", "description")), {}),
            },
        )

    def questionnaire_slug(self, value: Any, path: str) -> Any:
        slug = self.key(100)(value, path)
        if slug in RESERVED_QUESTIONNAIRE_SLUGS:
            self.error(path, f"{shown(slug)} is reserved (it names an API endpoint); choose another slug")
            return INVALID
        return slug

    def version(self, value: Any) -> tuple[dict | None, list[validation.ItemSpec]]:
        path = "$.version"
        version = self.fields(
            value,
            path,
            {
                "version": (True, self.whole(1), None),
                "metadata": (False, self.obj, {}),
                "instructions": (False, self.text(), ""),
                "observer_instructions": (False, self.text(), ""),
                "translations": (False, self.translations(("instructions", "observer_instructions")), {}),
                "sections": (False, self.array, []),
                "items": (False, self.array, []),
            },
        )
        if version is None:
            return None, []
        sections = self.objects(version["sections"], f"{path}.sections", self.section)
        self.unique(sections, "key", "section")
        version["sections"] = [s for _, s in sections]
        if version["items"] == []:
            self.error(f"{path}.items", "a version needs at least one item")
        items = self.objects(version["items"], f"{path}.items", self.item)
        self.unique(items, "key", "item")
        version["items"] = [i for _, i in items]
        return version, [self.item_spec(where, i) for where, i in items]

    def section(self, value: Any, path: str) -> dict | None:
        return self.fields(
            value,
            path,
            {
                "key": (True, self.key(100), None),
                "title": (False, self.text(), ""),
                "observer_title": (False, self.text(), ""),
                "translations": (False, self.translations(("title", "observer_title")), {}),
            },
        )

    def item(self, value: Any, path: str) -> dict | None:
        errors_before = len(self.errors)
        item = self._item(value, path)
        if len(self.errors) > errors_before:
            self.malformed_items.add(path)
        return item

    def _item(self, value: Any, path: str) -> dict | None:
        item = self.fields(
            value,
            path,
            {
                "key": (True, self.key(ITEM_KEY_MAX_LENGTH), None),
                "section": (False, self.key(100, blank=True), ""),
                "type": (True, self.choice(validation.ITEM_TYPES), None),
                "text": (True, self.text(blank=False), None),
                "observer_text": (False, self.text(), ""),
                "help_text": (False, self.text(), ""),
                "required": (False, self.boolean, True),
                "config": (False, self.obj, {}),
                "unscored": (False, self.boolean, False),
                "translations": (
                    False,
                    self.translations(ITEM_TRANSLATABLE),
                    {},
                ),
                "options": (False, self.array, []),
                "mappings": (False, self.array, []),
                "branch": (False, self.array, []),
            },
        )
        if item is None:
            return None
        options = self.objects(item["options"], f"{path}.options", self.option)
        self.unique(options, "key", "option")
        item["options"] = [o for _, o in options]
        item["mappings"] = self.objects(item["mappings"], f"{path}.mappings", self.mapping)
        item["branch"] = self.objects(item["branch"], f"{path}.branch", self.branch)
        if isinstance(item["config"], dict):
            self.item_config(item, f"{path}.config")
        return item

    def item_config(self, item: dict, path: str) -> None:
        config = item["config"]
        for label in ("min_label", "max_label", "observer_min_label", "observer_max_label"):
            if label in config and not isinstance(config[label], str):
                self.error(f"{path}.{label}", "must be a string")
        if item["type"] == "multi_choice":
            least, most = config.get("min_selected", 0), config.get("max_selected")
            if isinstance(least, bool) or not isinstance(least, int) or least < 0:
                self.error(f"{path}.min_selected", "must be a whole number of at least 0")
            elif most is not None and (
                isinstance(most, bool) or not isinstance(most, int) or most < max(least, 1)
            ):
                self.error(
                    f"{path}.max_selected", "must be null or a whole number, at least min_selected and 1"
                )
            elif most is not None and isinstance(item["options"], list) and most > len(item["options"]):
                self.error(f"{path}.max_selected", "is more than the number of options")
        if item["type"] == "text":
            length = config.get("max_length")
            if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 1):
                self.error(f"{path}.max_length", "must be a whole number of at least 1")
            if "multiline" in config and not isinstance(config["multiline"], bool):
                self.error(f"{path}.multiline", "must be true or false")

    def option(self, value: Any, path: str) -> dict | None:
        return self.fields(
            value,
            path,
            {
                "key": (True, self.key(50), None),
                "label": (True, self.text(300, blank=False), None),
                "observer_label": (False, self.text(300), ""),
                "value": (False, self.number_or_null, None),
                "translations": (False, self.translations(("label", "observer_label")), {}),
            },
        )

    def mapping(self, value: Any, path: str) -> dict | None:
        mapping = self.fields(
            value,
            path,
            {
                "dimension": (True, self.key(100), None),
                "option": (False, self.key(50, nullable=True), None),
                "rule": (True, self.choice(validation.RULES), None),
                "params": (False, self.obj, {}),
                "effective_from": (False, self.moment, None),
                "effective_to": (False, self.moment, None),
            },
        )
        if mapping is None:
            return None
        start, end = mapping["effective_from"], mapping["effective_to"]
        if (
            isinstance(start, str)
            and isinstance(end, str)
            and datetime.fromisoformat(start) >= datetime.fromisoformat(end)
        ):
            self.error(f"{path}.effective_to", "must be after effective_from")
        return mapping

    def branch(self, value: Any, path: str) -> dict | None:
        return self.fields(
            value,
            path,
            {
                "action": (True, self.choice(tuple(QuestionBranchRule.Action.values)), None),
                "logic": (True, self.anything, None),
            },
        )

    def item_spec(self, where: str, item: dict) -> validation.ItemSpec:
        mappings = [
            validation.MappingSpec(
                where=path, dimension=m["dimension"], rule=m["rule"], params=m["params"], option=m["option"]
            )
            for path, m in item["mappings"]
            if INVALID not in (m["dimension"], m["rule"], m["params"], m["option"])
        ]
        branch = [
            validation.BranchSpec(path, b["action"], b["logic"])
            for path, b in item["branch"]
            if INVALID not in (b["action"], b["logic"])
        ]
        # Back to plain lists now that the paths have served their purpose.
        item["mappings"] = [m for _, m in item["mappings"]]
        item["branch"] = [b for _, b in item["branch"]]
        return validation.ItemSpec(
            where=where,
            key=item["key"] if item["key"] is not INVALID else "",
            type=item["type"] if item["type"] is not INVALID else "",
            section=item["section"] if item["section"] is not INVALID else "",
            config=item["config"] if isinstance(item["config"], dict) else {},
            unscored=item["unscored"] is True,
            options=[validation.OptionSpec(o["key"], o["value"]) for o in item["options"]],
            mappings=mappings,
            branch=branch,
            complete=where not in self.malformed_items,
        )
