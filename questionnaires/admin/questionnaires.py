"""Questionnaires and their versions: Add version, Publish (after a confirmation page), New draft,
export, import and the preview."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from questionnaires import importing, services, views
from questionnaires.admin.common import (
    LockedInlineMixin,
    LockedWhenPublishedMixin,
    PrefetchedAutocompleteSelect,
    version_locked_reason,
)
from questionnaires.admin.forms import (
    QuestionnaireForm,
    QuestionnaireItemForm,
    VersionAdminForm,
)
from questionnaires.forms import ImportForm
from questionnaires.models import (
    QuestionBankItem,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
)

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


class QuestionnaireItemInline(LockedInlineMixin, admin.TabularInline):
    model = QuestionnaireItem
    form = QuestionnaireItemForm
    fields = ("sort_order", "key", "bank_item", "question", "section_key", "required", "unscored", "scoring")
    readonly_fields = ("question", "scoring")
    autocomplete_fields = ("bank_item",)
    extra = 0
    show_change_link = True

    def parent_locked(self, parent: QuestionnaireVersion) -> bool:
        return parent.published_at is not None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("bank_item", "version__questionnaire")
            .prefetch_related("mappings__dimension", "mappings__option")
        )

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

    @admin.display(description="Scoring (edit on the item)")
    def scoring(self, obj: QuestionnaireItem) -> str:
        """The item's trait mappings at a glance; they are edited inline on the item's page."""
        if not obj.pk:
            return ""
        rules = [
            f"{m.option.key + ': ' if m.option_id else ''}{m.dimension.slug} ({m.rule_type}"
            f"{', reversed' if isinstance(m.params, dict) and m.params.get('reverse') else ''})"
            for m in obj.mappings.all()
        ]
        return "; ".join(rules) or ("unscored" if obj.unscored else "no mapping yet")


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
        return version_locked_reason(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            version = self.get_object(request, unquote(object_id))
            warning = services.version_observer_warning(version=version) if version else None
            if warning and version.published_at is not None:
                messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

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
