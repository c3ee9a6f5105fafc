"""Admin: mappers (filled by its owner)."""
