"""Models owned by the personai package (cross-cutting infrastructure).

``OutboxTask`` is defined in personai/outbox.py beside the logic that owns it (STYLE.md
layout); importing it here is what makes Django's model discovery and migrations see it.
"""

from personai.outbox import OutboxTask

__all__ = ["OutboxTask"]
