"""Pages: personas."""

urlpatterns: list = []
