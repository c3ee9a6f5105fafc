"""The questionnaire library: instruments and their analysis models, as data.

An `AnalysisModel` (DISC, Big Five …) owns `TraitDimension`s (facets point at their domain via
`parent`), interpretation bands (`TraitThreshold`) and derived constructs (`TraitComposite`).
A `Questionnaire` has numbered `QuestionnaireVersion`s; a version lists `QuestionnaireItem`s
that point at reusable `QuestionBankItem`s (with their `QuestionOption`s), and carries the
scoring rules (`QuestionTraitMapping`) and skip logic (`QuestionBranchRule`). A published
version never changes: services and the admin refuse edits, and changes make a new version.

Translations live in `translations` JSON fields keyed by locale ({"de": {"text": "…"}}); the
default-locale text is in the ordinary columns. See docs/questionnaire-format.md.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def translated(obj: models.Model, field: str, locale: str | None) -> str:
    """The value of `field` in `locale`, falling back to the default-locale column."""
    if locale:
        value = (obj.translations or {}).get(locale, {}).get(field)
        if value:
            return value
    return getattr(obj, field)


# --------------------------------------------------------------------------- analysis models


class AnalysisModel(TimeStamped):
    class Aggregation(models.TextChoices):
        SUM = "sum", "Sum"
        MEAN = "mean", "Mean"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # {"aggregation": "sum"|"mean", "normalization": {"method": "none"|"minmax"|"zscore",
    #  "reference": {...}}, "band_basis": "raw"|"normalized"|"item_mean"}
    config = models.JSONField(default=dict, blank=True)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TraitDimension(models.Model):
    analysis_model = models.ForeignKey(AnalysisModel, on_delete=models.CASCADE, related_name="dimensions")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="facets",
        help_text="Set for a facet: the domain it rolls up into.",
    )
    sort_order = models.PositiveIntegerField(default=0)
    range_min = models.FloatField(null=True, blank=True, help_text="Display hint: lowest raw score.")
    range_max = models.FloatField(null=True, blank=True, help_text="Display hint: highest raw score.")
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["analysis_model", "sort_order", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis_model", "slug"], name="trait_dimension_model_slug_unique"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="trait_dimension_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class TraitThreshold(models.Model):
    dimension = models.ForeignKey(TraitDimension, on_delete=models.CASCADE, related_name="thresholds")
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    narrative = models.TextField(blank=True)
    lower = models.FloatField(null=True, blank=True, help_text="Empty: no lower bound.")
    upper = models.FloatField(null=True, blank=True, help_text="Empty: no upper bound.")
    lower_inclusive = models.BooleanField(default=True)
    upper_inclusive = models.BooleanField(default=False)
    sort_order = models.PositiveIntegerField(default=0)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dimension", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="trait_threshold_dimension_key_unique"),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(lower__lte=F("upper")),
                name="trait_threshold_lower_le_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension.slug}: {self.label}"


class TraitComposite(models.Model):
    class Kind(models.TextChoices):
        ARGMAX = "argmax", "Primary trait (highest of the dimensions)"
        WEIGHTED_SUM = "weighted_sum", "Weighted sum of dimensions"

    analysis_model = models.ForeignKey(AnalysisModel, on_delete=models.CASCADE, related_name="composites")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    dimensions = models.JSONField(default=list, blank=True, help_text="Dimension slugs (argmax).")
    weights = models.JSONField(
        default=dict, blank=True, help_text='{"dimension-slug": weight} (weighted sum).'
    )
    sort_order = models.PositiveIntegerField(default=0)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["analysis_model", "sort_order", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis_model", "slug"], name="trait_composite_model_slug_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- questionnaires


class Questionnaire(TimeStamped):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    default_locale = models.CharField(max_length=10, default="en")
    default_analysis_model = models.ForeignKey(
        AnalysisModel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class QuestionnaireVersion(TimeStamped):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    analysis_model = models.ForeignKey(AnalysisModel, on_delete=models.PROTECT, related_name="versions")
    is_active = models.BooleanField(
        default=False, help_text="The published version new sessions use. One per questionnaire."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    instructions = models.TextField(blank=True)
    observer_instructions = models.TextField(
        blank=True,
        help_text="Instructions for observers (survey responders answering about someone); "
        "{name} stands for that person. Empty: the ordinary instructions.",
    )
    # [{"key": "main", "title": "About you", "observer_title": "About {name}",
    #   "translations": {"de": {"title": "…", "observer_title": "…"}}}]
    sections = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["questionnaire", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "version"], name="questionnaire_version_unique"),
            models.UniqueConstraint(
                fields=["questionnaire"], condition=Q(is_active=True), name="questionnaire_one_active_version"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(published_at__isnull=False),
                name="questionnaire_version_active_is_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.slug} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def section_title(self, key: str, locale: str | None = None) -> str:
        for section in self.sections or []:
            if section.get("key") == key:
                if locale:
                    title = section.get("translations", {}).get(locale, {}).get("title")
                    if title:
                        return title
                return section.get("title", "")
        return ""


class QuestionBankItem(TimeStamped):
    class QuestionType(models.TextChoices):
        BOOLEAN = "boolean", "Yes / no"
        SCALAR = "scalar", "Scale (number)"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTI_CHOICE = "multi_choice", "Multiple choice"
        TEXT = "text", "Free text"

    key = models.CharField(max_length=200, unique=True, help_text="Stable identifier, e.g. ipip-neo-120/q1.")
    question_type = models.CharField(max_length=20, choices=QuestionType.choices)
    text = models.TextField()
    observer_text = models.TextField(
        blank=True,
        help_text='The text for observers, in the third person ("Is the life of the party."); '
        "{name} stands for the person the survey is about. Empty: the ordinary text.",
    )
    help_text = models.TextField(blank=True)
    # scalar: {"min": 0, "max": 10, "step": 1, "min_label": "", "max_label": ""};
    # multi_choice: {"min_selected": 0, "max_selected": 3}; text: {"max_length": 2000}
    config = models.JSONField(default=dict, blank=True)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.text[:60]}"


class QuestionOption(models.Model):
    bank_item = models.ForeignKey(QuestionBankItem, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=50)
    label = models.CharField(max_length=300)
    observer_label = models.CharField(
        max_length=300,
        blank=True,
        help_text="The label for observers when it speaks of the respondent; {name} allowed. "
        "Empty: the ordinary label.",
    )
    value = models.FloatField(null=True, blank=True, help_text="Numeric value used by range rules.")
    sort_order = models.PositiveIntegerField(default=0)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["bank_item", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["bank_item", "key"], name="question_option_item_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class QuestionnaireItem(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="items")
    bank_item = models.ForeignKey(QuestionBankItem, on_delete=models.PROTECT, related_name="uses")
    key = models.CharField(max_length=100, help_text="Item key within the version; branch rules use it.")
    sort_order = models.PositiveIntegerField(default=0)
    section_key = models.CharField(max_length=100, blank=True)
    required = models.BooleanField(default=True)
    unscored = models.BooleanField(default=False, help_text="Explicitly not scored (no mappings needed).")
    text_override = models.TextField(blank=True)
    help_text_override = models.TextField(blank=True)
    config_override = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="questionnaire_item_version_key_unique"),
        ]
        indexes = [models.Index(fields=["version", "sort_order"], name="questionnaire_item_order_idx")]

    def __str__(self) -> str:
        return f"{self.version} · {self.key}"

    @property
    def question_type(self) -> str:
        return self.bank_item.question_type

    @property
    def config(self) -> dict:
        return {**(self.bank_item.config or {}), **(self.config_override or {})}

    def text_in(self, locale: str | None = None) -> str:
        return self.text_override or translated(self.bank_item, "text", locale)

    def help_text_in(self, locale: str | None = None) -> str:
        return self.help_text_override or translated(self.bank_item, "help_text", locale)


class QuestionTraitMapping(models.Model):
    class RuleType(models.TextChoices):
        CONSTANT = "constant", "Constant"
        BOOLEAN_GATE = "boolean_gate", "Boolean gate (yes/no contributions)"
        RANGE_LINEAR = "range_linear", "Linear (value × multiplier + offset)"
        RANGE_BUCKET = "range_bucket", "Buckets (value ranges → contributions)"
        OPTION_WEIGHT = "option_weight", "Option weight"

    item = models.ForeignKey(QuestionnaireItem, on_delete=models.CASCADE, related_name="mappings")
    option = models.ForeignKey(
        QuestionOption,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mappings",
        help_text="Set for option-level mappings (the rule applies when this option is selected).",
    )
    dimension = models.ForeignKey(TraitDimension, on_delete=models.PROTECT, related_name="mappings")
    rule_type = models.CharField(max_length=20, choices=RuleType.choices)
    params = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    effective_from = models.DateTimeField(null=True, blank=True)
    effective_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rule_type="option_weight") | Q(option__isnull=False),
                name="trait_mapping_option_weight_needs_option",
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_to__gt=F("effective_from")),
                name="trait_mapping_effective_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["dimension"], name="trait_mapping_dimension_idx")]

    def __str__(self) -> str:
        target = f"{self.item.key}/{self.option.key}" if self.option_id else self.item.key
        return f"{target} → {self.dimension.slug} ({self.rule_type})"


class QuestionBranchRule(models.Model):
    class Action(models.TextChoices):
        SHOW = "show", "Show only when true"
        SKIP = "skip", "Skip when true"

    item = models.ForeignKey(QuestionnaireItem, on_delete=models.CASCADE, related_name="branch_rules")
    action = models.CharField(max_length=10, choices=Action.choices)
    logic = models.JSONField(help_text='JSON Logic over earlier answers, e.g. {"==": [{"var": "q1"}, true]}')
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.item.key}: {self.action}"
