"""The product's URLs plus the bench's bare reference view."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
def ok_signed_in(request: HttpRequest) -> HttpResponse:
    """The bare view for a signed-in user: the session read and the user lookup, nothing else.
    Every signed-in page pays at least this, so it bounds what a take page can reach."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ok", ok),
    path("bench/ok-signed-in", ok_signed_in),
    path("", include("personai.urls")),
]

handler400 = "personai.views.bad_request"
handler403 = "personai.views.permission_denied"
handler404 = "personai.views.page_not_found"
handler500 = "personai.views.server_error"
