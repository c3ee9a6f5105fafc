"""Chat pages (namespace "chat"), included at the site root."""

from chat.views import urlpatterns  # noqa: F401

app_name = "chat"
