"""Pages: the staff list of feedback on personas, with filters and a CSV download.

Mapper configs themselves are edited, activated and dry-run in the admin
(personas/admin/mappers.py); this page is where staff read what people said about the personas.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from assessments.templatetags.partials import render_partials
from personas.selectors import mappers as selectors

PAGE_SIZE = 50
TEMPLATE = "personas/feedback_list.html"


class FeedbackFilterForm(forms.Form):
    rating = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any rating"), *[(str(n), f"{n} ★") for n in range(5, 0, -1)]],
    )
    helpful = forms.TypedChoiceField(
        required=False,
        coerce=lambda value: value == "true",
        empty_value=None,
        choices=[("", "Helpful or not"), ("true", "Helpful"), ("false", "Not helpful")],
    )
    config_id = forms.ChoiceField(required=False, label="Mapper")
    mapper_version = forms.IntegerField(required=False, min_value=1, label="Version")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, config_ids: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["config_id"].choices = [("", "Any mapper"), *[(c, c) for c in config_ids]]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def filters(self) -> selectors.FeedbackFilters:
        data = self.cleaned_data
        return selectors.FeedbackFilters(
            rating=data.get("rating"),
            helpful=data.get("helpful"),
            mapper_version=data.get("mapper_version"),
            config_id=data.get("config_id") or None,
            since=data.get("since"),
            until=data.get("until"),
        )


def _query(form: FeedbackFilterForm) -> dict[str, str]:
    """The valid, non-empty filters as query parameters (for the CSV link and the pager)."""
    if not form.is_valid():
        return {}
    query = {}
    for name, value in form.cleaned_data.items():
        if value is None or value == "":
            continue
        query[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return query


@login_required
def staff_feedback(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can read the feedback on personas.")
    form = FeedbackFilterForm(request.GET or None, config_ids=selectors.feedback_config_ids())
    filters = form.filters() if form.is_bound and form.is_valid() else selectors.FeedbackFilters()
    queryset = selectors.feedback_list(filters)
    summary = queryset.aggregate(count=Count("id"), mean_rating=Avg("rating"), rated=Count("rating"))
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = _query(form) if form.is_bound else {}
    context = {
        "form": form,
        "page": page,
        "summary": summary,
        "query": urlencode(query),
        "csv_url": reverse("api:feedback-export") + (f"?{urlencode(query)}" if query else ""),
        "filtered": bool(query),
    }
    if request.htmx:
        return render_partials(request, TEMPLATE, ["results"], context)
    return render(request, TEMPLATE, context)


urlpatterns = [
    path("staff/feedback/", staff_feedback, name="staff_feedback"),
]
