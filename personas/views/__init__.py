"""Personas pages, one module per object kind; each module exposes ``urlpatterns``."""
