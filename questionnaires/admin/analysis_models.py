"""Analysis models, their dimensions (with every threshold inline) and composites."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.db.models import Count
from django.forms.models import BaseModelFormSet, modelformset_factory

from questionnaires.admin.common import (
    RelationFreeInlineChecks,
    evaluate_choices_once,
    requested_object_id,
)
from questionnaires.admin.forms import (
    AnalysisModelForm,
    TraitCompositeForm,
    TraitDimensionForm,
    TraitThresholdForm,
)
from questionnaires.models import (
    AnalysisModel,
    TraitComposite,
    TraitDimension,
    TraitThreshold,
)

# --------------------------------------------------------------------------- analysis models


class TraitDimensionInline(admin.TabularInline):
    model = TraitDimension
    fields = ("slug", "name", "parent", "sort_order", "range_min", "range_max")
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = TraitDimension.objects.filter(
                analysis_model_id=requested_object_id(request) or 0
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        return evaluate_choices_once(super().get_formset(request, obj, **kwargs), "parent")


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
            object_id = requested_object_id(request)
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
