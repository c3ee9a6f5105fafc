"""Admin: narratives (validated and saved through the services, so limits and the outbox
embedding apply) and trait–narrative links (accept or reject suggestions in bulk)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from personas.models import Narrative, TraitNarrativeLink
from personas.services import narratives as services

_NARRATIVE_FIELDS = [
    "narrative_type",
    "raw_text",
    "curated_text",
    "tags",
    "context",
    "trait_path",
    "curation_action",
    "source",
]


class NarrativeAdminForm(forms.ModelForm):
    class Meta:
        model = Narrative
        fields = ["subject", *_NARRATIVE_FIELDS]
        help_texts = {
            "raw_text": f"At most {services.MAX_TEXT_CHARS:,} characters.",
            "tags": f"Comma-separated; at most {services.MAX_TAGS}, each 1–{services.MAX_TAG_CHARS} characters "
            "of a–z, 0–9, space, '-' and '_'.",
            "trait_path": "A mindscape dot path such as big_five.openness.score; required for curations.",
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            cleaned = services.narrative_clean(**{name: data.get(name) for name in _NARRATIVE_FIELDS})
        except services.NarrativeInvalid as exc:
            for field, problems in exc.errors.items():
                self.add_error(field if field in self.fields else None, problems)
            return data
        data.update(cleaned)
        return data


class TraitLinkInline(admin.TabularInline):
    model = TraitNarrativeLink
    extra = 0
    fields = ["trait_path", "link_type", "status", "confidence", "metadata", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True  # changes go through the link admin (and its services)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Narrative)
class NarrativeAdmin(admin.ModelAdmin):
    form = NarrativeAdminForm
    list_display = ["short_text", "subject", "narrative_type", "tag_list", "searchable", "created_at"]
    list_filter = ["narrative_type", "embedding_model"]
    list_select_related = ["subject"]
    search_fields = ["raw_text", "curated_text", "subject__display_name", "=id"]
    date_hierarchy = "created_at"
    raw_id_fields = ["subject"]
    readonly_fields = ["id", "embedding_model", "embedded_at", "created_at", "updated_at", "created_by"]
    inlines = [TraitLinkInline]
    actions = ["reembed_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Narrative]:
        return super().get_queryset(request).defer("embedding")

    @admin.display(description="Text")
    def short_text(self, narrative: Narrative) -> str:
        return str(narrative)

    @admin.display(description="Tags")
    def tag_list(self, narrative: Narrative) -> str:
        return ", ".join(narrative.tags)

    @admin.display(boolean=True, description="Searchable")
    def searchable(self, narrative: Narrative) -> bool:
        return (
            bool(narrative.embedding_model)
            and narrative.embedding_model == services.configured_embedding_model()
        )

    def save_model(self, request: HttpRequest, obj: Narrative, form, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in _NARRATIVE_FIELDS}
        if change:
            saved = services.narrative_update(narrative=obj, **data)
        else:
            saved = services.narrative_create(
                subject=form.cleaned_data["subject"], created_by=request.user, **data
            )
        # The admin goes on with ``obj`` (messages, inlines, redirect): make it the saved row.
        for field in Narrative._meta.concrete_fields:
            if field.name != "embedding":
                setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Narrative) -> None:
        services.narrative_delete(narrative=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Narrative]) -> None:
        for narrative in queryset:
            services.narrative_delete(narrative=narrative)

    @admin.action(description="Re-embed selected narratives (through the outbox)", permissions=["change"])
    def reembed_selected(self, request: HttpRequest, queryset: QuerySet[Narrative]) -> None:
        count = services.narrative_request_reembed(narrative_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} narrative(s) queued for embedding.", messages.SUCCESS)


class TraitLinkAdminForm(forms.ModelForm):
    class Meta:
        model = TraitNarrativeLink
        fields = ["narrative", "trait_path", "link_type", "status", "confidence", "metadata"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        instance = self.instance

        def value(name):
            return data.get(name) if name in self.fields else getattr(instance, name)

        try:
            cleaned = services.trait_link_clean(
                trait_path=value("trait_path"),
                link_type=value("link_type"),
                confidence=value("confidence"),
                metadata=value("metadata"),
            )
        except services.TraitLinkInvalid as exc:
            for field, problems in exc.errors.items():
                self.add_error(field if field in self.fields else None, problems)
            return data
        if instance._state.adding:
            duplicate = TraitNarrativeLink.objects.filter(
                narrative=data["narrative"], trait_path=cleaned["trait_path"], link_type=cleaned["link_type"]
            ).exists()
            if duplicate:
                raise forms.ValidationError(
                    "This narrative already has a link of this type to this trait path."
                )
        data.update({name: cleaned[name] for name in cleaned if name in self.fields})
        return data


@admin.register(TraitNarrativeLink)
class TraitNarrativeLinkAdmin(admin.ModelAdmin):
    form = TraitLinkAdminForm
    list_display = ["trait_path", "link_type", "status", "confidence", "narrative", "created_at"]
    list_filter = ["status", "link_type"]
    list_select_related = ["narrative"]
    search_fields = ["trait_path", "narrative__raw_text", "=id"]
    raw_id_fields = ["narrative"]
    readonly_fields = ["id", "created_at"]
    actions = ["accept_selected", "reject_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TraitNarrativeLink]:
        return super().get_queryset(request).defer("narrative__embedding")

    def save_model(self, request: HttpRequest, obj: TraitNarrativeLink, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.trait_link_update(
                link=obj, status=data["status"], confidence=data["confidence"], metadata=data["metadata"]
            )
        else:
            saved = services.trait_link_create(
                narrative=data["narrative"],
                trait_path=data["trait_path"],
                link_type=data["link_type"],
                confidence=data["confidence"],
                metadata=data["metadata"],
                created_by=request.user,
            )
            if data["status"] != saved.status:
                saved = services.trait_link_update(link=saved, status=data["status"])
        obj.pk = saved.pk
        obj.status = saved.status
        obj._state.adding = False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None:  # what a link points at stays; delete and re-create to change it
            return [*self.readonly_fields, "narrative", "trait_path", "link_type"]
        return self.readonly_fields

    def _set_status(self, request: HttpRequest, queryset: QuerySet[TraitNarrativeLink], status: str) -> None:
        for link in queryset:
            services.trait_link_update(link=link, status=status)
        self.message_user(request, f"{queryset.count()} link(s) {status}.", messages.SUCCESS)

    @admin.action(description="Accept selected links", permissions=["change"])
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[TraitNarrativeLink]) -> None:
        self._set_status(request, queryset, TraitNarrativeLink.Status.ACCEPTED)

    @admin.action(description="Reject selected links", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[TraitNarrativeLink]) -> None:
        self._set_status(request, queryset, TraitNarrativeLink.Status.REJECTED)
