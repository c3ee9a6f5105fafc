"""Models owned by the personai package (cross-cutting infrastructure)."""
