"""Models of the personas app (built by its own issue)."""
