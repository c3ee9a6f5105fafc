"""Search endpoints, included under /api/v1/ (namespace "api")."""

from chat.search.api import urlpatterns  # noqa: F401
