"""Admin: mapper configs (JSON editor validated on save, lifecycle buttons, dry run, feedback per
version) and the feedback on personas.

Saving goes through ``personas.services.mappers``: a new mapper is its config_id's next version
(a draft); a draft is edited in place; editing an active or deprecated version saves the edit as
a new draft version. Activation (button and list action) calls ``mapper_activate``, which
deprecates the active version in the same transaction; the status is never edited by hand.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.fields import InvalidJSONInput
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from personas import rules
from personas.mapper_schema import validate_configuration
from personas.models import Feedback, MapperConfig, Mindscape
from personas.selectors import mappers as selectors
from personas.services import mappers as services

MAX_SUBJECT_CHOICES = 100


# The order people read a configuration in (the database returns JSON keys sorted its own way).
KEY_ORDER = [
    "metadata",
    "rules",
    "id",
    "name",
    "description",
    "author",
    "type",
    "trait",
    "operator",
    "value",
    "category",
    "priority",
    "conditions",
    "all",
    "any",
    "not",
    "actions",
    "template",
]


def _reading_order(value: Any) -> Any:
    if isinstance(value, dict):
        rank = {key: index for index, key in enumerate(KEY_ORDER)}
        keys = sorted(value, key=lambda key: (rank.get(key, len(rank)), key))
        return {key: _reading_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [_reading_order(item) for item in value]
    return value


class PrettyJSONField(forms.JSONField):
    """Shows the JSON indented and in reading order, so a long configuration can be edited."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(_reading_order(value), ensure_ascii=False, indent=2, cls=self.encoder)


class MapperConfigForm(forms.ModelForm):
    configuration = PrettyJSONField(
        widget=forms.Textarea(
            attrs={"class": "mapper-json-editor", "rows": 32, "cols": 100, "spellcheck": "false"}
        ),
        help_text=(
            "metadata and rules. Each rule: id, conditions (all / any / not over trait_checks with "
            "trait, operator equals | not_equals | in | gt | gte | lt | lte | between | exists, value) and "
            "actions (type suggestion | template, template text with {dot.path} placeholders, priority "
            "high | medium | low, category voice | values | working_style | energises | drains | "
            "communication | other). Checked on save; errors name the JSON path."
        ),
    )

    class Meta:
        model = MapperConfig
        fields = ["config_id", "persona_ttl_hours", "configuration"]

    def clean_config_id(self) -> str:
        config_id = self.cleaned_data["config_id"]
        if not services.CONFIG_ID_RE.match(config_id):
            raise ValidationError(
                "Use lowercase letters, digits, '-' or '_', starting with a letter or digit."
            )
        return config_id

    def clean_persona_ttl_hours(self) -> int:
        hours = self.cleaned_data["persona_ttl_hours"]
        if not 1 <= hours <= services.MAX_TTL_HOURS:
            raise ValidationError(f"A whole number of hours from 1 to {services.MAX_TTL_HOURS}.")
        return hours

    def clean_configuration(self) -> Any:
        configuration = self.cleaned_data["configuration"]
        problems = validate_configuration(configuration)
        if problems:
            raise ValidationError(
                [f"{path}: {message}" for path, messages_ in problems.items() for message in messages_]
            )
        return configuration

    def validate_unique(self) -> None:
        # Version numbers are assigned by the service, not typed in.
        pass


@admin.register(MapperConfig)
class MapperConfigAdmin(admin.ModelAdmin):
    form = MapperConfigForm
    change_form_template = "admin/personas/mapperconfig/change_form.html"
    list_display = [
        "config_id",
        "version",
        "status_badge",
        "rule_count",
        "usage_count",
        "mean_rating_display",
        "rating_count_display",
        "persona_ttl_hours",
        "created_at",
    ]
    list_display_links = ["config_id", "version"]
    list_filter = ["status", "config_id"]
    search_fields = ["config_id"]
    ordering = ["config_id", "-version"]
    actions = ["activate_selected", "deprecate_selected"]

    class Media:
        css = {"all": ["css/personas/admin_mappers.css"]}

    # ------------------------------------------------------------------ list

    def get_queryset(self, request: HttpRequest) -> QuerySet[MapperConfig]:
        return selectors.with_feedback_stats(super().get_queryset(request).select_related("created_by"))

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: MapperConfig) -> str:
        return format_html(
            '<span class="mapper-status mapper-status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description="Rules")
    def rule_count(self, obj: MapperConfig) -> int:
        found = obj.configuration.get("rules") if isinstance(obj.configuration, dict) else None
        return len(found) if isinstance(found, list) else 0

    @admin.display(description="Mean rating", ordering="mean_rating")
    def mean_rating_display(self, obj: MapperConfig) -> str:
        mean = getattr(obj, "mean_rating", None)
        return "—" if mean is None else f"{mean:.2f}"

    @admin.display(description="Ratings", ordering="rating_count")
    def rating_count_display(self, obj: MapperConfig) -> int:
        return getattr(obj, "rating_count", 0) or 0

    # ------------------------------------------------------------------ form

    def get_fields(self, request: HttpRequest, obj: MapperConfig | None = None) -> list[str]:
        if obj is None:
            return ["config_id", "persona_ttl_hours", "configuration"]
        return [
            "config_id",
            "version",
            "status",
            "persona_ttl_hours",
            "usage_count",
            "feedback_summary",
            "created_at",
            "created_by",
            "lifecycle",
            "configuration",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: MapperConfig | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "config_id",
            "version",
            "status",
            "usage_count",
            "feedback_summary",
            "created_at",
            "created_by",
            "lifecycle",
        ]

    @admin.display(description="Feedback on personas built with this version")
    def feedback_summary(self, obj: MapperConfig) -> str:
        stats = selectors.mapper_feedback_stats(obj)
        if not stats.feedback_count:
            return "No feedback yet."
        mean = "—" if stats.mean_rating is None else f"{stats.mean_rating:.2f} / 5"
        url = reverse("personas:staff_feedback") + f"?config_id={obj.config_id}&mapper_version={obj.version}"
        return format_html(
            "Mean rating <strong>{}</strong> from {} rating(s); {} helpful, {} not helpful; {} feedback in all. "
            '<a href="{}">See the feedback</a>',
            mean,
            stats.rating_count,
            stats.helpful_count,
            stats.not_helpful_count,
            stats.feedback_count,
            url,
        )

    @admin.display(description="Lifecycle")
    def lifecycle(self, obj: MapperConfig) -> str:
        metadata = obj.metadata or {}
        parts = [
            f"{key.replace('_', ' ')}: {metadata[key]}"
            for key in ("activated_at", "deprecated_at", "replaced_by", "builtin_file")
            if key in metadata
        ]
        return "; ".join(parts) or "—"

    def save_model(
        self, request: HttpRequest, obj: MapperConfig, form: MapperConfigForm, change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            if not change:
                created = services.mapper_create(
                    config_id=data["config_id"],
                    configuration=data["configuration"],
                    persona_ttl_hours=data["persona_ttl_hours"],
                    created_by=request.user,
                )
                obj.pk, obj.version, obj.status = created.pk, created.version, created.status
                obj._state.adding = False
                return
            if not form.has_changed():
                return
            current = MapperConfig.objects.get(pk=obj.pk)
            if current.status == MapperConfig.Status.DRAFT:
                services.mapper_update_draft(
                    mapper=current,
                    configuration=data["configuration"],
                    persona_ttl_hours=data["persona_ttl_hours"],
                )
                return
            new = services.mapper_create(
                config_id=current.config_id,
                configuration=data["configuration"],
                persona_ttl_hours=data["persona_ttl_hours"],
                created_by=request.user,
                metadata={"copied_from": current.version},
            )
            request._mapper_new_version = new  # response_change sends the user there
        except services.MapperError as exc:
            # The form validated the same thing; only a race gets here.
            raise PermissionDenied(exc.message) from exc

    def response_change(self, request: HttpRequest, obj: MapperConfig):
        new = getattr(request, "_mapper_new_version", None)
        if new is None:
            return super().response_change(request, obj)
        messages.success(
            request,
            f"Saved your edit as v{new.version}, a draft: v{obj.version} is {obj.status} and does not change. "
            "Activate the new version when it is ready.",
        )
        return HttpResponseRedirect(reverse("admin:personas_mapperconfig_change", args=[new.pk]))

    def save_related(self, request, form, formsets, change):  # no related objects; keep the row untouched
        pass

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None:
            extra.update(self._dry_run_context(request, obj))
            extra["versions"] = selectors.mapper_versions(obj.config_id)
            extra["feedback_by_rule"] = selectors.mapper_feedback_by_rule(obj)
            if obj.status != MapperConfig.Status.DRAFT and request.method == "GET":
                messages.info(
                    request,
                    f"This version (v{obj.version}) is {obj.status}: saving an edit creates a new draft version; this one stays as it is.",
                )
        return super().change_view(request, object_id, form_url, extra)

    # ------------------------------------------------------------------ dry run

    def _dry_run_context(self, request: HttpRequest, mapper: MapperConfig) -> dict[str, Any]:
        subjects = list(
            Mindscape.objects.select_related("subject").order_by("-updated_at")[:MAX_SUBJECT_CHOICES]
        )
        context: dict[str, Any] = {"dry_run_subjects": [m.subject for m in subjects]}
        raw = (request.GET.get("dry_run_subject") or "").strip()
        if not raw:
            return context
        context["dry_run_subject_id"] = raw
        try:
            subject_id = UUID(raw)
        except ValueError:
            context["dry_run_error"] = "That is not a subject id (a UUID such as 0b5c…)."
            return context
        mindscape = Mindscape.objects.select_related("subject").filter(subject_id=subject_id).first()
        if mindscape is None or not mindscape.traits:
            context["dry_run_error"] = (
                "This subject has no mindscape yet (no scored results), so there is nothing to evaluate."
            )
            return context
        evaluation = rules.evaluate(mapper.configuration, mindscape.traits)
        context["dry_run"] = {
            "subject": mindscape.subject,
            "mindscape_version": mindscape.version,
            "evaluation": evaluation,
            # Fired rules first (each group still by priority, then configuration order).
            "outcomes": sorted(evaluation.outcomes, key=lambda outcome: not outcome.fired),
            "guidance": [
                (rules.CATEGORY_LABELS.get(category, category), actions)
                for category, actions in evaluation.actions_by_category().items()
            ],
        }
        return context

    # ------------------------------------------------------------------ lifecycle

    def get_urls(self):
        urls = super().get_urls()
        own = [
            path(
                "<path:object_id>/activate/",
                self.admin_site.admin_view(self.activate_view),
                name="personas_mapperconfig_activate",
            ),
            path(
                "<path:object_id>/deprecate/",
                self.admin_site.admin_view(self.deprecate_view),
                name="personas_mapperconfig_deprecate",
            ),
        ]
        return own + urls

    def _lifecycle_object(self, request: HttpRequest, object_id: str) -> MapperConfig:
        if not self.has_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such mapper version.")
        return obj

    def _back(self, obj: MapperConfig) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:personas_mapperconfig_change", args=[obj.pk]))

    @staticmethod
    def _activate(request: HttpRequest, obj: MapperConfig) -> None:
        before = selectors.mapper_active(obj.config_id)
        try:
            services.mapper_activate(mapper=obj, activated_by=request.user)
        except services.MapperConfigInvalid:
            messages.error(request, f"{obj} has an invalid configuration; fix it before activating.")
            return
        except services.MapperError as exc:
            messages.error(request, exc.message)
            return
        if before is not None and before.pk != obj.pk:
            messages.success(
                request, f"Activated {obj.config_id} v{obj.version}; v{before.version} is deprecated."
            )
        elif before is None:
            messages.success(request, f"Activated {obj.config_id} v{obj.version}.")
        else:
            messages.info(request, f"Nothing to do: {obj.config_id} v{obj.version} was already active.")

    def activate_view(self, request: HttpRequest, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._lifecycle_object(request, object_id)
        self._activate(request, obj)
        return self._back(obj)

    def deprecate_view(self, request: HttpRequest, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._lifecycle_object(request, object_id)
        was_active = obj.status == MapperConfig.Status.ACTIVE
        services.mapper_deprecate(mapper=obj)
        note = f" {obj.config_id} has no active version now." if was_active else ""
        messages.success(request, f"Deprecated {obj.config_id} v{obj.version}.{note}")
        return self._back(obj)

    @admin.action(description="Activate the selected version (deprecates the active one)")
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[MapperConfig]) -> None:
        chosen = list(queryset.order_by("config_id", "-version"))
        config_ids = [mapper.config_id for mapper in chosen]
        if len(set(config_ids)) != len(config_ids):
            messages.error(request, "Choose at most one version per mapper: only one version can be active.")
            return
        for mapper in chosen:
            self._activate(request, mapper)

    @admin.action(description="Deprecate the selected versions")
    def deprecate_selected(self, request: HttpRequest, queryset: QuerySet[MapperConfig]) -> None:
        count = 0
        for mapper in queryset:
            services.mapper_deprecate(mapper=mapper)
            count += 1
        messages.success(request, f"Deprecated {count} version(s).")


# --------------------------------------------------------------------------- feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "persona_link",
        "config_id",
        "mapper_version",
        "rating",
        "helpful",
        "rule_id",
        "comment_excerpt",
        "created_by",
    ]
    list_filter = ["rating", "helpful", "mapper_version", "persona__mapper_config_id", "created_at"]
    list_select_related = ["persona", "created_by"]
    search_fields = ["comment", "rule_id", "persona__id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "persona",
        "rating",
        "helpful",
        "comment",
        "context",
        "rule_id",
        "mapper_version",
        "created_at",
        "created_by",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # feedback is given on the persona page or through the API

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Persona", ordering="persona")
    def persona_link(self, obj: Feedback) -> str:
        if obj.persona_id is None:
            return "—"
        url = reverse("admin:personas_persona_change", args=[obj.persona_id])
        return format_html('<a href="{}">{}</a>', url, obj.persona.name or str(obj.persona_id)[:8])

    @admin.display(description="Mapper", ordering="persona__mapper_config_id")
    def config_id(self, obj: Feedback) -> str:
        return obj.persona.mapper_config_id if obj.persona_id else ""

    @admin.display(description="Comment")
    def comment_excerpt(self, obj: Feedback) -> str:
        return Truncator(obj.comment).chars(80)
