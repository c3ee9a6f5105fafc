"""The product's URLs plus the bench's bare reference view."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ok", ok),
    path("", include("personai.urls")),
]

handler400 = "personai.views.bad_request"
handler403 = "personai.views.permission_denied"
handler404 = "personai.views.page_not_found"
handler500 = "personai.views.server_error"
