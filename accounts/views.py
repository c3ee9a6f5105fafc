"""Account page: who you are, links to allauth's email and password pages, and API keys."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import ApiKeyCreateForm
from accounts.models import ApiKey


def _get_api_key_for_user(request: HttpRequest, api_key_id: UUID) -> ApiKey:
    """The caller's own key, or 404 (another user's key does not exist for them)."""
    return get_object_or_404(selectors.api_key_list(user=request.user), pk=api_key_id)


def _render_profile(
    request: HttpRequest,
    form: ApiKeyCreateForm,
    *,
    new_key: ApiKey | None = None,
    raw_key: str | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "api_keys": list(selectors.api_key_list(user=request.user)),
        "email_verified": selectors.user_email_is_verified(user=request.user),
        "new_key": new_key,
        "raw_key": raw_key,
    }
    return render(request, "accounts/profile.html", context)


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request, ApiKeyCreateForm())


@require_POST
@login_required
@never_cache
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            api_key, raw_key = services.api_key_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"API key “{api_key.name}” created.")
            # Rendered, not redirected: the full key exists only in this response (never in the
            # session or a message), so it cannot be shown a second time.
            return _render_profile(request, ApiKeyCreateForm(), new_key=api_key, raw_key=raw_key)
    return _render_profile(request, form)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def api_key_revoke(request: HttpRequest, api_key_id: UUID) -> HttpResponse:
    api_key = _get_api_key_for_user(request, api_key_id)
    if request.method != "POST":
        return render(request, "accounts/api_key_revoke.html", {"api_key": api_key})
    if not api_key.is_active:
        messages.info(request, f"API key “{api_key.name}” was already revoked.")
    else:
        services.api_key_revoke(api_key=api_key)
        messages.success(request, f"API key “{api_key.name}” revoked. It no longer works.")
    return redirect("account_profile")
