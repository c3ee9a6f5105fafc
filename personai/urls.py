from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from personai import health, views

# One login form for the whole site: the admin login goes through allauth's form, so its
# brute-force limits (ACCOUNT_RATE_LIMITS) protect /admin/ too.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Personai administration"
admin.site.site_title = "Personai admin"

api_v1 = [
    path("", include("assessments.api_urls")),  # first: the autosave is the busiest route
    path("", include("accounts.api_urls")),
    path("", include("questionnaires.api_urls")),
    path("", include("personas.api_urls")),
    path("", include("chat.api_urls")),
    path("", include("chat.search.api_urls")),
]

urlpatterns = [
    # First: Django tries the routes in order and, for every include that does not match,
    # collects its routes for the 404 page, so an API request resolved after the pages' `""`
    # includes cost about 0.2 ms (its most frequent one, the autosave, included).
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("", include("assessments.urls")),
    path("", include("personas.urls")),
    path("", include("chat.urls")),
    path("", include("chat.search.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

handler400 = "personai.views.bad_request"
handler403 = "personai.views.permission_denied"
handler404 = "personai.views.page_not_found"
handler500 = "personai.views.server_error"
