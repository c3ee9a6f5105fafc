"""Chat endpoints, included under /api/v1/ (namespace "api")."""

from chat.api import conversations, messages

urlpatterns = [*conversations.urlpatterns, *messages.urlpatterns]
