"""Pieces the questionnaire admin pages share: locking what is published, and widgets that
load once per page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpRequest

from questionnaires import services
from questionnaires.models import (
    QuestionBankItem,
    QuestionnaireVersion,
)


def requested_object_id(request: HttpRequest) -> str | None:
    match = request.resolver_match
    return match.kwargs.get("object_id") if match else None


def evaluate_choices_once(formset_class, *names: str):
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


def version_locked_reason(version: QuestionnaireVersion) -> str | None:
    return services.version_locked_message(version) if version.published_at else None


def bank_item_locked_reason(bank_item: QuestionBankItem) -> str | None:
    used_by = services.bank_item_published_use(bank_item)
    return services.bank_item_locked_message(bank_item, used_by) if used_by else None


class RelationFreeInlineChecks(InlineModelAdminChecks):
    """An inline whose rows are reached through another model (no foreign key to the parent)."""

    def _check_relation(self, obj, parent_model):
        return []

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []


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
