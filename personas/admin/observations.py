"""Admin: observations (filled by its owner)."""
