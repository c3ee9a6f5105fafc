"""Chat endpoints, included under /api/v1/ (namespace "api")."""

from chat.api import artifacts, conversations, messages, team

urlpatterns = [*conversations.urlpatterns, *messages.urlpatterns, *team.urlpatterns, *artifacts.urlpatterns]
