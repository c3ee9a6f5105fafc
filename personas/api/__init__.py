"""Personas API, one module per object kind; each module exposes ``urlpatterns``."""
