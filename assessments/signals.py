"""Signals the assessments app sends for other apps to react to (it imports none of them).

``run_scored`` (kwargs ``run``, ``runs``, ``subject_id``): runs of one subject have just been
marked done — sent once per subject per scoring batch, ``runs`` in the order scored and ``run``
the last of them. Sent inside the scoring transaction, so a receiver that writes (an outbox row,
say) commits or rolls back with the scores.
"""

from django.dispatch import Signal

run_scored = Signal()
