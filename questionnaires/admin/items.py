"""Items of a version (trait mappings and branch rules inline) and the question bank."""

from __future__ import annotations

from django.contrib import admin

from questionnaires import services
from questionnaires.admin.common import (
    LockedInlineMixin,
    LockedWhenPublishedMixin,
    bank_item_locked_reason,
    evaluate_choices_once,
    requested_object_id,
    version_locked_reason,
)
from questionnaires.admin.forms import (
    BranchRuleForm,
    MappingForm,
    QuestionBankItemForm,
    QuestionnaireItemForm,
    QuestionOptionForm,
)
from questionnaires.models import (
    QuestionBankItem,
    QuestionBranchRule,
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    QuestionTraitMapping,
    TraitDimension,
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
        item = (
            QuestionnaireItem.objects.filter(pk=requested_object_id(request) or 0)
            .select_related("version")
            .first()
        )
        if db_field.name == "option":
            kwargs["queryset"] = QuestionOption.objects.filter(bank_item_id=item.bank_item_id if item else 0)
        elif db_field.name == "dimension":
            kwargs["queryset"] = TraitDimension.objects.filter(
                analysis_model_id=item.version.analysis_model_id if item else 0
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        return evaluate_choices_once(super().get_formset(request, obj, **kwargs), "option", "dimension")


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
        return version_locked_reason(obj.version)

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
        return bank_item_locked_reason(parent) is not None


@admin.register(QuestionBankItem)
class QuestionBankItemAdmin(LockedWhenPublishedMixin, admin.ModelAdmin):
    form = QuestionBankItemForm
    list_display = ("key", "question_type", "short_text", "updated_at")
    list_filter = ("question_type",)
    search_fields = ("key", "text")
    inlines = [QuestionOptionInline]

    def locked_reason(self, obj: QuestionBankItem) -> str | None:
        return bank_item_locked_reason(obj)

    def save_model(self, request, obj, form, change):
        if change:
            services.bank_item_assert_editable(obj)
        super().save_model(request, obj, form, change)

    @admin.display(description="Text")
    def short_text(self, obj: QuestionBankItem) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"
