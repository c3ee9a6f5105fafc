"""The benchmark error, apart so that services and cohorts can both raise it without importing
each other."""

from __future__ import annotations

from assessments import services as assessment_services


class BenchmarkError(assessment_services.AssessmentError):
    """Bad input a person can fix; `errors` maps field names to messages (a 400)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}
