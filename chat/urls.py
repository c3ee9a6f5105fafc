"""Chat pages (namespace "chat"), included at the site root."""

from chat import artifact_views, team_views, views

app_name = "chat"

urlpatterns = [*views.urlpatterns, *team_views.urlpatterns, *artifact_views.urlpatterns]
