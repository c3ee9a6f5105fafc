"""Admin: narratives (filled by its owner)."""
