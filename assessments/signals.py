"""Signals the assessments app sends for other apps to react to (it imports none of them).

``run_scored`` (kwargs ``run``, ``subject_id``): an AnalysisRun has just been marked done. Sent
inside the scoring transaction, so a receiver that writes (an outbox row, say) commits or rolls
back with the scores.
"""

from django.dispatch import Signal

run_scored = Signal()
