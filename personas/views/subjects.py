"""Pages: subjects."""

urlpatterns: list = []
