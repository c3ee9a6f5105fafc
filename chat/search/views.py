"""The search page (namespace "search"): ``/search/?q=&types=``, recent searches, deleting them.

Bad input never raises: the page shows the reason next to the box (status 400 so scripts and
tests can tell), and nothing is logged. Another user's logged search is a 404.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from chat.models import SearchQuery
from chat.search import selectors, services
from chat.search.selectors import MAX_QUERY_CHARS, TYPE_LABELS, TYPES

app_name = "search"


@login_required
@require_GET
def search_page(request):
    query = request.GET.get("q")
    chosen = request.GET.getlist("types")
    context = {
        "query": query or "",
        "types": [(kind, TYPE_LABELS[kind], not chosen or kind in chosen) for kind in TYPES],
        "max_query_chars": MAX_QUERY_CHARS,
        "results": None,
        "errors": {},
        "search_id": None,
    }
    status = 200
    if query is not None:
        try:
            logged, results = services.search_run(
                user=request.user,
                query=query,
                types=chosen or None,
                language=getattr(request, "LANGUAGE_CODE", "en"),
            )
        except services.SearchInvalid as exc:
            context["errors"] = exc.errors
            status = 400
        else:
            context["results"] = results
            context["search_id"] = logged.pk
    context["recent"] = list(selectors.recent_searches(request.user))
    return render(request, "search/search.html", context, status=status)


def _search_log(request, search_id) -> SearchQuery:
    try:
        return selectors.search_log_for_user(request.user, search_id)
    except (SearchQuery.DoesNotExist, ValidationError):
        raise Http404("There is no such search.") from None


@login_required
@require_POST
def recent_delete(request, search_id):
    search = _search_log(request, search_id)
    services.search_log_delete(search=search)
    flash.success(request, f"Removed “{search.query_text[:60]}” from your recent searches.")
    return redirect("search:search")


@login_required
@require_POST
def recent_clear(request):
    count = services.search_log_clear(user=request.user)
    flash.success(request, f"Cleared {count} recent search{'es' if count != 1 else ''}.")
    return redirect("search:search")


urlpatterns = [
    path("search/", search_page, name="search"),
    path("search/recent/<uuid:search_id>/delete/", recent_delete, name="recent_delete"),
    path("search/recent/clear/", recent_clear, name="recent_clear"),
]
