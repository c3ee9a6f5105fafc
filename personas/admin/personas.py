"""Admin: personas (filled by its owner)."""
