"""The site's URLs plus two views that raise, to see what an unhandled error looks like."""

from django.urls import path

from personai.urls import handler400, handler403, handler404, handler500
from personai.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def explode(request):
    raise RuntimeError("boom: an unexpected bug")


urlpatterns = [
    path("explode/", explode),
    path("api/v1/explode/", explode),
    *site_urlpatterns,
]
