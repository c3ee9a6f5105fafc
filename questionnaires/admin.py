"""Authoring in the Django admin: analysis models, questionnaires, versions, items and bank items.

Anything published is read-only here: a published version, its items, mappings and branch rules,
and bank items (with their options) that a published version uses. Those change pages say so
and point at "New draft from this version". Publishing, drafting, export and import call the
services in `questionnaires.services` / `questionnaires.importing`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.forms.models import BaseModelFormSet, modelformset_factory
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from questionnaires import importing, services, views
from questionnaires.admin_forms import (
    AnalysisModelForm,
    BranchRuleForm,
    MappingForm,
    QuestionBankItemForm,
    QuestionnaireForm,
    QuestionnaireItemForm,
    QuestionOptionForm,
    TraitCompositeForm,
    TraitDimensionForm,
    TraitThresholdForm,
    VersionAdminForm,
)
from questionnaires.forms import ImportForm
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


def _object_id(request: HttpRequest) -> str | None:
    match = request.resolver_match
    return match.kwargs.get("object_id") if match else None


def _evaluate_choices_once(formset_class, *names: str):
    """Inline rows would each query their select's choices; evaluate them once per formset."""
    for name in names:
        field = formset_class.form.base_fields.get(name)
        if field is not None and hasattr(field, "queryset"):
            field.choices = list(field.choices)
    return formset_class


class LockedWhenPublishedMixin:
    """Refuses change and delete for objects `locked_reason` names a reason for, and says why."""

    def locked_reason(self, obj) -> str | None:
        raise NotImplementedError

    def _locked(self, obj) -> str | None:
        if obj is None:
            return None
        if not hasattr(obj, "_locked_reason"):
            obj._locked_reason = self.locked_reason(obj)
        return obj._locked_reason

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would bypass the per-object check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        reason = self._locked(obj)
        if reason and request.method == "GET":
            messages.warning(request, f"{services.READ_ONLY_HINT} {reason}")
        return super().change_view(request, object_id, form_url, extra_context)


class LockedInlineMixin:
    """Inline rows are read-only when their parent object is locked."""

    def parent_locked(self, parent) -> bool:
        raise NotImplementedError

    def _parent_locked(self, parent) -> bool:
        if parent is None:
            return False
        if not hasattr(parent, "_inline_locked"):
            parent._inline_locked = self.parent_locked(parent)
        return parent._inline_locked

    def has_add_permission(self, request, obj=None):
        return not self._parent_locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._parent_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._parent_locked(obj) and super().has_delete_permission(request, obj)


def _version_locked(version: QuestionnaireVersion) -> str | None:
    return services.version_locked_message(version) if version.published_at else None


def _bank_item_locked(bank_item: QuestionBankItem) -> str | None:
    used_by = services.bank_item_published_use(bank_item)
    return services.bank_item_locked_message(bank_item, used_by) if used_by else None


# --------------------------------------------------------------------------- analysis models


class TraitDimensionInline(admin.TabularInline):
    model = TraitDimension
    fields = ("slug", "name", "parent", "sort_order", "range_min", "range_max")
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = TraitDimension.objects.filter(analysis_model_id=_object_id(request) or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        return _evaluate_choices_once(super().get_formset(request, obj, **kwargs), "parent")


class RelationFreeInlineChecks(InlineModelAdminChecks):
    """An inline whose rows are reached through another model (no foreign key to the parent)."""

    def _check_relation(self, obj, parent_model):
        return []

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []


class ThresholdsOfModelFormSet(BaseModelFormSet):
    """Every threshold of an analysis model's dimensions, edited on the model's own page."""

    def __init__(
        self, data=None, files=None, instance=None, save_as_new=False, prefix=None, queryset=None, **kwargs
    ):
        self.instance = instance if instance is not None else AnalysisModel()
        queryset = (
            TraitThreshold.objects.filter(dimension__analysis_model_id=self.instance.pk or 0)
            .select_related("dimension")
            .order_by("dimension__sort_order", "dimension__slug", "sort_order", "key")
        )
        super().__init__(data=data, files=files, prefix=prefix, queryset=queryset, **kwargs)

    @classmethod
    def get_default_prefix(cls) -> str:
        return "thresholds"


class AnalysisModelThresholdInline(admin.TabularInline):
    """Bands of all the model's dimensions in one table (they are also inline on each dimension)."""

    model = TraitThreshold
    form = TraitThresholdForm
    formset = ThresholdsOfModelFormSet
    checks_class = RelationFreeInlineChecks
    fields = (
        "dimension",
        "key",
        "label",
        "lower",
        "lower_inclusive",
        "upper",
        "upper_inclusive",
        "sort_order",
        "narrative",
        "translations",
    )
    extra = 0
    verbose_name = "threshold (band)"
    verbose_name_plural = "Thresholds (bands) of every dimension"

    def get_formset(self, request, obj=None, **kwargs):
        can_delete = self.can_delete and self.has_delete_permission(request, obj)
        formset = modelformset_factory(
            TraitThreshold,
            form=self.form,
            formset=self.formset,
            fields=flatten_fieldsets(self.get_fieldsets(request, obj)),
            formfield_callback=partial(self.formfield_for_dbfield, request=request),
            extra=self.get_extra(request, obj, **kwargs),
            can_delete=can_delete,
            max_num=self.get_max_num(request, obj, **kwargs),
        )
        dimension = formset.form.base_fields["dimension"]
        dimension.queryset = TraitDimension.objects.filter(analysis_model_id=obj.pk if obj else 0)
        dimension.choices = list(dimension.choices)  # once per page, not once per row
        return formset


@admin.register(AnalysisModel)
class AnalysisModelAdmin(admin.ModelAdmin):
    form = AnalysisModelForm
    list_display = ("name", "slug", "dimension_count", "updated_at")
    search_fields = ("slug", "name")
    inlines = [TraitDimensionInline, AnalysisModelThresholdInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(dimension_count=Count("dimensions"))

    @admin.display(description="Dimensions", ordering="dimension_count")
    def dimension_count(self, obj: AnalysisModel) -> int:
        return obj.dimension_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.method == "GET":
            published = obj.versions.filter(published_at__isnull=False).select_related("questionnaire")
            if published:
                names = ", ".join(str(v) for v in published)
                messages.warning(
                    request,
                    f"Published versions use this model ({names}). Changing its configuration, "
                    "dimensions, thresholds or composites changes how their sessions are scored; "
                    "for scoring changes, create a new analysis model.",
                )
        return super().change_view(request, object_id, form_url, extra_context)


class TraitThresholdInline(admin.TabularInline):
    model = TraitThreshold
    form = TraitThresholdForm
    fields = (
        "key",
        "label",
        "lower",
        "lower_inclusive",
        "upper",
        "upper_inclusive",
        "sort_order",
        "narrative",
        "translations",
    )
    extra = 0


@admin.register(TraitDimension)
class TraitDimensionAdmin(admin.ModelAdmin):
    form = TraitDimensionForm
    list_display = ("slug", "name", "analysis_model", "parent", "sort_order")
    list_select_related = ("analysis_model", "parent")
    list_filter = ("analysis_model",)
    search_fields = ("slug", "name", "analysis_model__slug")
    inlines = [TraitThresholdInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            dimensions = TraitDimension.objects.select_related("analysis_model")
            object_id = _object_id(request)
            if object_id:
                dimensions = dimensions.filter(analysis_model__dimensions__pk=object_id).exclude(pk=object_id)
            kwargs["queryset"] = dimensions
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(TraitComposite)
class TraitCompositeAdmin(admin.ModelAdmin):
    form = TraitCompositeForm
    list_display = ("slug", "name", "kind", "analysis_model", "sort_order")
    list_select_related = ("analysis_model",)
    list_filter = ("analysis_model", "kind")
    search_fields = ("slug", "name", "analysis_model__slug")


# --------------------------------------------------------------------------- questionnaires


class QuestionnaireVersionInline(admin.TabularInline):
    """A read-only summary; versions are edited on their own pages."""

    model = QuestionnaireVersion
    fields = ("version_link", "analysis_model", "is_active", "published_at", "item_count")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("analysis_model").annotate(item_count=Count("items"))
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Version")
    def version_link(self, obj: QuestionnaireVersion) -> str:
        url = reverse("admin:questionnaires_questionnaireversion_change", args=[obj.pk])
        return format_html('<a href="{}">Version {}</a>', url, obj.version)

    @admin.display(description="Items")
    def item_count(self, obj: QuestionnaireVersion) -> int:
        return obj.item_count


@admin.register(Questionnaire)
class QuestionnaireAdmin(LockedWhenPublishedMixin, admin.ModelAdmin):
    form = QuestionnaireForm
    list_display = ("title", "slug", "status", "active_version", "default_analysis_model")
    list_select_related = ("default_analysis_model",)
    list_filter = ("status", "default_analysis_model")
    search_fields = ("slug", "title")
    inlines = [QuestionnaireVersionInline]

    def locked_reason(self, obj: Questionnaire) -> str | None:
        return None  # its texts are not versioned and stay editable; deleting is refused below

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.versions.filter(published_at__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        active = QuestionnaireVersion.objects.filter(questionnaire=OuterRef("pk"), is_active=True)
        return super().get_queryset(request).annotate(active_number=Subquery(active.values("version")[:1]))

    @admin.display(description="Active version", ordering="active_number")
    def active_version(self, obj: Questionnaire) -> str:
        return f"v{obj.active_number}" if obj.active_number else "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # "Add version" copies the newest version into a draft (or starts an empty one).
        latest = QuestionnaireVersion.objects.filter(questionnaire_id=unquote(object_id)).order_by("-version")
        extra_context = {**(extra_context or {}), "latest_version": latest.first()}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="questionnaires_questionnaire_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = importing.import_json(
                    form.cleaned_data["file"].read(), publish=not form.cleaned_data["draft"]
                )
            except importing.ImportValidationError as exc:
                errors = exc.errors
            else:
                version = result.version
                if result.created:
                    state = "published and active" if version.published_at else "a draft"
                    self.message_user(request, f"Imported {version} ({state}).", messages.SUCCESS)
                else:
                    self.message_user(request, f"{version} is already up to date.", messages.INFO)
                return HttpResponseRedirect(
                    reverse("admin:questionnaires_questionnaireversion_change", args=[version.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import questionnaire",
            "opts": self.opts,
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/questionnaires/import.html", context)


# --------------------------------------------------------------------------- versions


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("yes", "Published"), ("no", "Draft")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


class PrefetchedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select labelling its value from objects loaded once per formset (the stock
    widget queries the selected object once per row)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.objects: dict[str, Any] = {}

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not selected or not all(v in self.objects for v in selected):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for key in selected:
            label = self.choices.field.label_from_instance(self.objects[key])
            options.append(self.create_option(name, key, label, True, len(options)))
        return [(None, options, 0)]


class QuestionnaireItemInline(LockedInlineMixin, admin.TabularInline):
    model = QuestionnaireItem
    form = QuestionnaireItemForm
    fields = ("sort_order", "key", "bank_item", "question", "section_key", "required", "unscored")
    readonly_fields = ("question",)
    autocomplete_fields = ("bank_item",)
    extra = 0
    show_change_link = True

    def parent_locked(self, parent: QuestionnaireVersion) -> bool:
        return parent.published_at is not None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bank_item", "version__questionnaire")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bank_item":
            kwargs["widget"] = PrefetchedAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        widget = formset.form.base_fields["bank_item"].widget
        widget = getattr(widget, "widget", widget)  # inside the admin's related-object wrapper
        if isinstance(widget, PrefetchedAutocompleteSelect) and obj is not None and obj.pk:
            widget.objects = {str(b.pk): b for b in QuestionBankItem.objects.filter(uses__version=obj)}
        return formset

    @admin.display(description="Question")
    def question(self, obj: QuestionnaireItem) -> str:
        return obj.text_override or obj.bank_item.text if obj.bank_item_id else ""


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(LockedWhenPublishedMixin, admin.ModelAdmin):
    form = VersionAdminForm
    list_display = ("__str__", "questionnaire", "version", "analysis_model", "state", "item_count", "preview")
    list_select_related = ("questionnaire", "analysis_model")
    list_filter = ("questionnaire", PublishedFilter, "is_active", "analysis_model")
    search_fields = ("questionnaire__slug", "questionnaire__title")
    readonly_fields = ("is_active", "published_at", "created_at", "updated_at")
    fields = (
        "questionnaire",
        "version",
        "analysis_model",
        "instructions",
        "observer_instructions",
        "sections",
        "metadata",
        "translations",
        "is_active",
        "published_at",
        "created_at",
        "updated_at",
    )
    inlines = [QuestionnaireItemInline]
    actions = ["publish_versions", "create_drafts"]

    def locked_reason(self, obj: QuestionnaireVersion) -> str | None:
        return _version_locked(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    def get_changeform_initial_data(self, request):
        """Opened from a questionnaire ("Add version"): its next number and analysis model."""
        initial = super().get_changeform_initial_data(request)
        raw = initial.get("questionnaire")
        if not (isinstance(raw, str) and raw.isdigit()):
            return initial
        questionnaire = Questionnaire.objects.filter(pk=int(raw)).first()
        if questionnaire is not None:
            latest = questionnaire.versions.order_by("-version").first()
            initial.setdefault("version", latest.version + 1 if latest else 1)
            model_id = latest.analysis_model_id if latest else questionnaire.default_analysis_model_id
            if model_id:
                initial.setdefault("analysis_model", model_id)
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            services.version_assert_editable(obj)
        super().save_model(request, obj, form, change)

    @admin.display(description="Items", ordering="item_count")
    def item_count(self, obj: QuestionnaireVersion) -> int:
        return obj.item_count

    @admin.display(description="State")
    def state(self, obj: QuestionnaireVersion) -> str:
        if obj.is_active:
            return "Active"
        return "Published" if obj.published_at else "Draft"

    @admin.display(description="Preview")
    def preview(self, obj: QuestionnaireVersion) -> str:
        url = reverse("admin:questionnaires_questionnaireversion_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview</a>', url)

    # ---- actions

    def _publish(self, request: HttpRequest, version: QuestionnaireVersion) -> bool:
        try:
            services.version_publish(version=version)
        except services.PublishError as exc:
            for message in exc.messages:
                self.message_user(request, f"{version}: {message}", messages.ERROR)
            return False
        self.message_user(request, f"Published {version}; it is now the active version.", messages.SUCCESS)
        warning = services.version_observer_warning(version=version)
        if warning:
            self.message_user(request, warning, messages.WARNING)
        return True

    def _new_draft(self, request: HttpRequest, version: QuestionnaireVersion) -> QuestionnaireVersion:
        draft = services.version_create_draft(from_version=version)
        url = reverse("admin:questionnaires_questionnaireversion_change", args=[draft.pk])
        self.message_user(
            request,
            format_html('Created draft <a href="{}">{}</a> from {}.', url, draft, version),
            messages.SUCCESS,
        )
        return draft

    @admin.action(description="Publish…", permissions=["change"])
    def publish_versions(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Publishing asks first: a page lists what will happen, and publishes on "Yes, publish"."""
        versions = list(queryset.select_related("questionnaire").order_by("questionnaire__slug", "version"))
        if request.POST.get("confirm") != "yes":
            return self._publish_confirmation(request, versions)
        for version in versions:
            self._publish(request, version)
        return None

    def _publish_confirmation(
        self, request: HttpRequest, versions: list[QuestionnaireVersion]
    ) -> HttpResponse:
        rows = []
        for version in versions:
            problems = services.version_publish_problems(version=version)
            active = version.questionnaire.versions.filter(is_active=True).first()
            rows.append(
                {
                    "version": version,
                    "problems": problems,
                    "replaces": active if active is not None and active.pk != version.pk else None,
                    "warning": None if problems else services.version_observer_warning(version=version),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish?" if len(rows) == 1 else f"Publish {len(rows)} versions?",
            "opts": self.opts,
            "rows": rows,
            "publishable": [row for row in rows if not row["problems"]],
            "single": request.resolver_match.url_name.endswith("_publish"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/questionnaires/questionnaireversion/publish_confirm.html", context
        )

    @admin.action(description="New draft from this version", permissions=["add"])
    def create_drafts(self, request: HttpRequest, queryset: QuerySet) -> None:
        for version in queryset.select_related("questionnaire").order_by("questionnaire__slug", "version"):
            self._new_draft(request, version)

    # ---- object tools: preview, export, publish, new draft

    def get_urls(self):
        def view(function, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(function),
                name=f"questionnaires_questionnaireversion_{name.replace('-', '_')}",
            )

        return [
            view(views.version_preview, "preview"),
            view(self.export_view, "export"),
            view(require_http_methods(["GET", "POST"])(self.publish_view), "publish"),
            view(require_POST(self.new_draft_view), "new-draft"),
            *super().get_urls(),
        ]

    def _get_version(self, request: HttpRequest, object_id: str) -> QuestionnaireVersion:
        version = self.get_object(request, unquote(object_id))
        if version is None:
            raise Http404("No such questionnaire version.")
        return version

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._get_version(request, object_id)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        response = HttpResponse(
            importing.export_json(version), content_type="application/json; charset=utf-8"
        )
        filename = f"{version.questionnaire.slug}-v{version.version}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: what publishing will do, and whether it can; POST: publish."""
        version = self._get_version(request, object_id)
        if not super().has_change_permission(request, version):
            raise PermissionDenied
        if request.method != "POST":
            return self._publish_confirmation(request, [version])
        self._publish(request, version)
        return HttpResponseRedirect(
            reverse("admin:questionnaires_questionnaireversion_change", args=[version.pk])
        )

    def new_draft_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._get_version(request, object_id)
        if not self.has_add_permission(request):
            raise PermissionDenied
        draft = self._new_draft(request, version)
        return HttpResponseRedirect(
            reverse("admin:questionnaires_questionnaireversion_change", args=[draft.pk])
        )


# --------------------------------------------------------------------------- items


class QuestionTraitMappingInline(LockedInlineMixin, admin.TabularInline):
    model = QuestionTraitMapping
    form = MappingForm
    fields = ("dimension", "option", "rule_type", "params", "sort_order", "effective_from", "effective_to")
    extra = 0

    def parent_locked(self, parent: QuestionnaireItem) -> bool:
        return parent.version.published_at is not None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dimension", "option", "item__version")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        item = QuestionnaireItem.objects.filter(pk=_object_id(request) or 0).select_related("version").first()
        if db_field.name == "option":
            kwargs["queryset"] = QuestionOption.objects.filter(bank_item_id=item.bank_item_id if item else 0)
        elif db_field.name == "dimension":
            kwargs["queryset"] = TraitDimension.objects.filter(
                analysis_model_id=item.version.analysis_model_id if item else 0
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        return _evaluate_choices_once(super().get_formset(request, obj, **kwargs), "option", "dimension")


class QuestionBranchRuleInline(LockedInlineMixin, admin.TabularInline):
    model = QuestionBranchRule
    form = BranchRuleForm
    fields = ("action", "logic", "sort_order")
    extra = 0

    def parent_locked(self, parent: QuestionnaireItem) -> bool:
        return parent.version.published_at is not None


@admin.register(QuestionnaireItem)
class QuestionnaireItemAdmin(LockedWhenPublishedMixin, admin.ModelAdmin):
    list_display = ("key", "version", "bank_item", "section_key", "required", "unscored", "sort_order")
    list_select_related = ("version__questionnaire", "bank_item")
    list_filter = ("version__questionnaire", "bank_item__question_type", "unscored", "required")
    search_fields = ("key", "bank_item__key", "bank_item__text", "version__questionnaire__slug")
    autocomplete_fields = ("bank_item",)
    form = QuestionnaireItemForm
    inlines = [QuestionTraitMappingInline, QuestionBranchRuleInline]

    def locked_reason(self, obj: QuestionnaireItem) -> str | None:
        return _version_locked(obj.version)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version__questionnaire", "bank_item")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            # Items can only be added to drafts.
            kwargs["queryset"] = QuestionnaireVersion.objects.filter(
                published_at__isnull=True
            ).select_related("questionnaire")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.version_assert_editable(obj.version)
        super().save_model(request, obj, form, change)


# --------------------------------------------------------------------------- bank items


class QuestionOptionInline(LockedInlineMixin, admin.TabularInline):
    model = QuestionOption
    form = QuestionOptionForm
    fields = ("sort_order", "key", "label", "observer_label", "value", "translations")
    extra = 0

    def parent_locked(self, parent: QuestionBankItem) -> bool:
        return _bank_item_locked(parent) is not None


@admin.register(QuestionBankItem)
class QuestionBankItemAdmin(LockedWhenPublishedMixin, admin.ModelAdmin):
    form = QuestionBankItemForm
    list_display = ("key", "question_type", "short_text", "updated_at")
    list_filter = ("question_type",)
    search_fields = ("key", "text")
    inlines = [QuestionOptionInline]

    def locked_reason(self, obj: QuestionBankItem) -> str | None:
        return _bank_item_locked(obj)

    def save_model(self, request, obj, form, change):
        if change:
            services.bank_item_assert_editable(obj)
        super().save_model(request, obj, form, change)

    @admin.display(description="Text")
    def short_text(self, obj: QuestionBankItem) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"
