"""Pages: mappers."""

urlpatterns: list = []
