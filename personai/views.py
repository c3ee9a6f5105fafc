"""Site-wide pages: the landing page, the dashboard shell and error pages (JSON under /api/)."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from assessments import selectors as assessment_selectors

logger = logging.getLogger(__name__)

DASHBOARD_ROWS = 6


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    surveys = assessment_selectors.surveys_for_owner(request.user).order_by("-created_at")
    context = {
        "assessments": assessment_selectors.sessions_for_dashboard(request.user, DASHBOARD_ROWS),
        "surveys": list(surveys[:DASHBOARD_ROWS]),
    }
    return render(request, "dashboard.html", context)


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    context = {"title": title, "message": message, "status": status}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "Not allowed", "You do not have permission to do that.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Page not found", "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    title = "Something went wrong"
    message = "The error was logged. Please try again in a moment."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=500)
    # The failure may be the database or the session store, so render without the request's
    # context processors (no user lookup, hence no account links) and fall back to plain HTML
    # if even that fails.
    context = {"title": title, "message": message, "status": 500, "hide_account_nav": True}
    try:
        html = render_to_string("error.html", context)
    except Exception:
        logger.exception("The 500 page itself failed to render")
        html = (
            f"<!DOCTYPE html><title>{title}</title><h1>{title}</h1>"
            f"<p>{message}</p><p><a href='/'>Home</a></p>"
        )
    return HttpResponse(html, status=500)
