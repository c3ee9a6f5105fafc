"""Services of result share links: create and revoke (writes; reads are in selectors).

A module of its own because `services.py` is already long; the rules are the same: keyword-only
arguments, atomic writes, views call these and never `.save()` a share.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assessments.models import AnalysisRun, AssessmentSession, ResultShare
from assessments.services import AssessmentError


@transaction.atomic
def result_share_create(*, session: AssessmentSession, run: AnalysisRun, user) -> ResultShare:
    """A new link to `run`'s result. Only finished runs of the session can be shared."""
    if run.session_id != session.pk or run.status != AnalysisRun.Status.DONE:
        raise AssessmentError("Only a finished result of this assessment can be shared.")
    return ResultShare.objects.create(session=session, run=run, created_by=user)


def result_share_revoke(*, share: ResultShare) -> ResultShare:
    """Stop the link working (idempotent: a revoked share keeps its first revocation time)."""
    ResultShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    share.refresh_from_db(fields=["revoked_at"])
    return share
