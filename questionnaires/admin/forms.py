"""Admin forms of the questionnaire library: every JSON field explained where it is typed, and
checked when it is saved (with the publishing rules of `questionnaires.validation` where they
exist), so a mistake shows next to the field instead of only when the version is published."""

from __future__ import annotations

from django import forms

from questionnaires import validation
from questionnaires.importing.reading import ITEM_TRANSLATABLE
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

FORMAT_DOC = "docs/questionnaire-format.md"


def translations_help(*fields: str) -> str:
    example = ", ".join(f'"{name}": "…"' for name in fields[:2])
    return (
        f'Other languages, by locale: {{"de": {{{example}}}}}. Translatable here: {", ".join(fields)}. '
        "A missing translation falls back to the default-language text."
    )


class JsonFieldsForm(forms.ModelForm):
    """Help texts for JSON fields (`json_help`), and a `translations` check (`translatable`)."""

    json_help: dict[str, str] = {}
    translatable: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, text in self.json_help.items():
            if name in self.fields:
                self.fields[name].help_text = text
        if self.translatable and "translations" in self.fields:
            self.fields["translations"].help_text = translations_help(*self.translatable)
            self.fields["translations"].required = False

    def clean_translations(self):
        value = self.cleaned_data.get("translations")
        if value in (None, ""):
            return {}
        problems = validation.translations_problems(value, self.translatable)
        if problems:
            raise forms.ValidationError(problems)
        return value

    def add_problems(self, field: str, problems: list[str]) -> None:
        for problem in problems:
            self.add_error(field, problem)


class AnalysisModelForm(JsonFieldsForm):
    translatable = ("name", "description")
    json_help = {
        "config": (
            '{"aggregation": "sum" | "mean", "normalization": {"method": "none" | "minmax" | "zscore", '
            '"reference": {"<dimension>": {"mean": m, "sd": s}}}, "band_basis": "raw" | "normalized" | '
            f'"item_mean"}}. See {FORMAT_DOC}, "Analysis model config".'
        )
    }

    class Meta:
        model = AnalysisModel
        fields = ["slug", "name", "description", "config", "translations"]

    def clean_config(self):
        config = self.cleaned_data.get("config") or {}
        if not isinstance(config, dict):
            raise forms.ValidationError('Must be an object like {"aggregation": "sum"}.')
        slugs = set(self.instance.dimensions.values_list("slug", flat=True)) if self.instance.pk else set()
        problems = validation.model_config_problems(config, slugs)
        if problems:
            raise forms.ValidationError([f"{name}: {message}" for name, message in problems])
        return config


class TraitDimensionForm(JsonFieldsForm):
    translatable = ("name", "description")

    class Meta:
        model = TraitDimension
        fields = [
            "analysis_model",
            "slug",
            "name",
            "description",
            "parent",
            "sort_order",
            "range_min",
            "range_max",
            "translations",
        ]


class TraitThresholdForm(JsonFieldsForm):
    translatable = ("label", "narrative")

    class Meta:
        model = TraitThreshold
        fields = [
            "dimension",
            "key",
            "label",
            "narrative",
            "lower",
            "upper",
            "lower_inclusive",
            "upper_inclusive",
            "sort_order",
            "translations",
        ]
        # Bands are edited in tables of many rows (on the model and on each dimension).
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "translations": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }


class TraitCompositeForm(JsonFieldsForm):
    translatable = ("name", "description")
    json_help = {
        "dimensions": 'Argmax: the dimension slugs to compare, e.g. ["d", "i", "s", "c"].',
        "weights": 'Weighted sum: {"<dimension slug>": weight}, e.g. {"d": 1, "s": -1}.',
    }

    class Meta:
        model = TraitComposite
        fields = [
            "analysis_model",
            "slug",
            "name",
            "description",
            "kind",
            "dimensions",
            "weights",
            "sort_order",
            "translations",
        ]

    def clean(self):
        cleaned = super().clean()
        model = cleaned.get("analysis_model")
        slugs = set(model.dimensions.values_list("slug", flat=True)) if model else set()
        for field, message in validation.composite_problems(
            cleaned.get("kind", ""), cleaned.get("dimensions", []), cleaned.get("weights", {}), slugs
        ):
            if field in self.fields:
                self.add_error(field, message)
        return cleaned


class QuestionnaireForm(JsonFieldsForm):
    translatable = ("title", "description")

    class Meta:
        model = Questionnaire
        fields = [
            "slug",
            "title",
            "description",
            "default_locale",
            "default_analysis_model",
            "status",
            "translations",
        ]


class VersionAdminForm(JsonFieldsForm):
    translatable = ("instructions", "observer_instructions")
    json_help = {
        "sections": (
            'The pages\' sections, in order: [{"key": "main", "title": "About you", "observer_title": '
            '"About {name}", "translations": {"de": {"title": "Über Sie", "observer_title": "Über {name}"}}}]. '
            "Items name their section by key. observer_title is what survey responders (answering about "
            "someone) read; {name} is that person."
        ),
        "metadata": 'Free-form facts about the version, e.g. {"source": "…", "license": "…"}.',
    }

    class Meta:
        model = QuestionnaireVersion
        fields = [
            "questionnaire",
            "version",
            "analysis_model",
            "instructions",
            "observer_instructions",
            "sections",
            "metadata",
            "translations",
        ]

    def clean_sections(self):
        sections = self.cleaned_data.get("sections")
        if sections in (None, ""):
            return []
        problems = validation.sections_problems(sections)
        if problems:
            raise forms.ValidationError(problems)
        return sections

    def clean_metadata(self):
        metadata = self.cleaned_data.get("metadata")
        if metadata in (None, ""):
            return {}
        if not isinstance(metadata, dict):
            raise forms.ValidationError('Must be an object like {"source": "…"}.')
        return metadata


class QuestionBankItemForm(JsonFieldsForm):
    translatable = ITEM_TRANSLATABLE
    json_help = {
        "config": (
            'By type — scale: {"min": 0, "max": 10, "step": 1, "min_label": "…", "max_label": "…"} '
            "(observer_min_label / observer_max_label for survey responders); multiple choice: "
            '{"min_selected": 0, "max_selected": 3}; free text: {"max_length": 2000, "multiline": true}.'
        )
    }

    class Meta:
        model = QuestionBankItem
        fields = ["key", "question_type", "text", "observer_text", "help_text", "config", "translations"]

    def clean(self):
        cleaned = super().clean()
        question_type = cleaned.get("question_type")
        config = cleaned.get("config")
        if config in (None, ""):
            cleaned["config"] = config = {}
        if question_type:
            self.add_problems("config", validation.item_config_problems(question_type, config))
        return cleaned


class QuestionOptionForm(JsonFieldsForm):
    translatable = ("label", "observer_label")

    class Meta:
        model = QuestionOption
        fields = ["bank_item", "key", "label", "observer_label", "value", "sort_order", "translations"]


class QuestionnaireItemForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireItem
        fields = [
            "version",
            "bank_item",
            "key",
            "sort_order",
            "section_key",
            "required",
            "unscored",
            "text_override",
            "help_text_override",
            "config_override",
        ]
        help_texts = {
            "config_override": "Replaces keys of the question's config for this item only, e.g. "
            '{"max": 7}. Leave {} to use the question\'s config.',
        }

    def clean_config_override(self):
        value = self.cleaned_data.get("config_override")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError('Must be an object like {"max": 7}.')
        return value


class MappingForm(forms.ModelForm):
    class Meta:
        model = QuestionTraitMapping
        fields = [
            "item",
            "option",
            "dimension",
            "rule_type",
            "params",
            "sort_order",
            "effective_from",
            "effective_to",
        ]
        help_texts = {
            "params": (
                'constant {"value": c} · boolean_gate {"true": t, "false": f} · range_linear '
                '{"multiplier": m, "offset": o, "reverse": false} · range_bucket {"buckets": [{"min": a, '
                '"max": b, "contribution": c}]} · option_weight {"weight": w}'
            ),
        }

    def clean(self):
        cleaned = super().clean()
        rule = cleaned.get("rule_type")
        params = cleaned.get("params")
        if params in (None, ""):
            cleaned["params"] = params = {}
        if rule:
            for problem in validation.mapping_params_problems(rule, params):
                self.add_error("params", problem)
        if rule == QuestionTraitMapping.RuleType.OPTION_WEIGHT and not cleaned.get("option"):
            self.add_error("option", "option_weight applies to one option: choose it.")
        return cleaned


class BranchRuleForm(forms.ModelForm):
    class Meta:
        model = QuestionBranchRule
        fields = ["item", "action", "logic", "sort_order"]
        help_texts = {
            "logic": 'JSON Logic over answers to earlier items, by item key, e.g. {"==": [{"var": "q1"}, true]} '
            "(a single choice gives the option key; a multiple choice a list of keys).",
        }

    def clean(self):
        cleaned = super().clean()
        item = cleaned.get("item") or getattr(self.instance, "item", None)
        if "logic" in cleaned and item is not None and item.version_id:
            keys = list(item.version.items.order_by("sort_order", "id").values_list("key", flat=True))
            earlier = set(keys[: keys.index(item.key)]) if item.key in keys else set(keys)
            for problem in validation.logic_problems(
                cleaned["logic"], earlier=earlier, all_keys=set(keys), own=item.key
            ):
                self.add_error("logic", problem)
        return cleaned
