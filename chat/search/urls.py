"""Search pages (namespace "search"), included at the site root."""

from chat.search.views import urlpatterns  # noqa: F401

app_name = "search"
