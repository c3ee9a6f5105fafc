"""Pages: narratives."""

urlpatterns: list = []
