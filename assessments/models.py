"""Assessment delivery and scoring results.

A `SubjectProfile` is whoever an assessment is about: a person (optionally linked to a user),
an LLM agent, or a cohort. An `AssessmentSession` is one pass through a pinned questionnaire
version, by the subject themself, by an anonymous responder of a `Survey` about the subject,
or by an agent. Answers are `Response` rows (one per item), scored by `AnalysisRun`s that write
per-dimension `TraitScore`s and the per-answer audit trail (`ResponseTraitComponent`).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from questionnaires.models import (
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    TraitComposite,
    TraitDimension,
)

# The smallest min-n a survey may have: an average of one or two people gives their answers away
# (with two, each responder can subtract their own). Enforced by a check constraint.
MIN_RESPONSES_FLOOR = 3
# Upper bounds of the survey's counts, far below PostgreSQL's integer limit (2**31 - 1).
MAX_RESPONSES_LIMIT = 10_000
MIN_RESPONSES_LIMIT = 1_000
# How many personal invitation links one request may create, and one survey may have in all.
MAX_INVITATIONS_PER_REQUEST = 200
MAX_INVITATIONS_PER_SURVEY = 10_000


def new_share_token() -> str:
    # 32 url-safe bytes = 256 random bits (the issue asks for at least 128).
    return secrets.token_urlsafe(32)


class SubjectProfile(models.Model):
    class SubjectType(models.TextChoices):
        HUMAN = "human", "Human"
        AGENT = "agent", "LLM agent"
        COHORT = "cohort", "Cohort"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject_type = models.CharField(max_length=10, choices=SubjectType.choices, default=SubjectType.HUMAN)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="subjects"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="owned_subjects",
        help_text="Who manages this subject (for agents and cohorts; a human's own profile is theirs).",
    )
    display_name = models.CharField(max_length=200)
    metadata = models.JSONField(default=dict, blank=True)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    locale = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            # A user has exactly one "self" human profile.
            models.UniqueConstraint(
                fields=["user"], condition=Q(subject_type="human"), name="subject_one_human_profile_per_user"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Survey(models.Model):
    """A share link that lets anonymous responders answer a questionnaire about a subject."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="surveys")
    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="surveys")
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="surveys"
    )
    title = models.CharField(max_length=200, blank=True)
    share_token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    is_active = models.BooleanField(default=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    max_responses = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_RESPONSES_LIMIT)]
    )
    min_responses_to_show = models.PositiveIntegerField(
        default=MIN_RESPONSES_FLOOR,
        validators=[MinValueValidator(MIN_RESPONSES_FLOOR), MaxValueValidator(MIN_RESPONSES_LIMIT)],
        help_text=f"Others' answers are shown only once at least this many responded "
        f"(privacy; at least {MIN_RESPONSES_FLOOR}).",
    )
    invitation_only = models.BooleanField(
        default=False,
        help_text="Only personal single-use invitation links take answers; the share link does not.",
    )
    exclude_likely_duplicates = models.BooleanField(
        default=False,
        help_text="Leave answers flagged as likely duplicates out of the results and exports.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner"], name="idx_surveys_user_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_responses_to_show__gte=MIN_RESPONSES_FLOOR),
                name="survey_min_responses_floor",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Survey about {self.subject}"


class SurveyInvitation(models.Model):
    """A personal link to a survey that starts exactly one responder's session.

    Claimed by the first start (`used_at`, under a row lock, and the session's one-to-one
    `invitation` makes a second claim impossible even so); a revoked link starts nothing.
    Only unused links can be revoked: a used one already carries someone's answers.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Status(models.TextChoices):
        UNUSED = "unused", "Not used yet"
        USED = "used", "Used"
        REVOKED = "revoked", "Revoked"

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["survey", "created_at"], name="invitation_survey_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_used_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.token[:8]}… to {self.survey}"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.used_at is not None:
            return self.Status.USED
        return self.Status.UNUSED


class AssessmentSession(models.Model):
    class RespondentKind(models.TextChoices):
        SELF = "self", "Self"
        ANONYMOUS = "anonymous", "Anonymous responder"
        AGENT = "agent", "LLM agent"

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        SCORED = "scored", "Scored"
        ABANDONED = "abandoned", "Abandoned"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="sessions")
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="sessions"
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    respondent_kind = models.CharField(max_length=12, choices=RespondentKind.choices)
    respondent_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responder_id = models.CharField(
        max_length=255, blank=True, help_text="Anonymous responder token from a signed cookie (surveys)."
    )
    responder_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="Server-side hash of network and browser traits (surveys)."
    )
    likely_duplicate = models.BooleanField(
        default=False,
        help_text="Submitted with the fingerprint of an earlier answer to the same survey (a soft "
        "signal: another person on the same network and browser looks the same).",
    )
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="session"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    locale = models.CharField(max_length=10, default="en")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One submission per responder per survey, guaranteed under concurrency.
            models.UniqueConstraint(
                fields=["survey", "responder_id"],
                condition=Q(survey__isnull=False),
                name="session_one_per_survey_responder",
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "status"], name="session_subject_status_idx"),
            models.Index(fields=["questionnaire_version", "status"], name="session_version_status_idx"),
            models.Index(
                fields=["survey", "responder_fingerprint"],
                condition=Q(survey__isnull=False),
                name="session_survey_fingerprint_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_version} · {self.subject} ({self.status})"


class Response(models.Model):
    # No index of their own: every save writes each index of this table, and the unique
    # (session, item) constraint already serves lookups by session, `response_item_idx` by item.
    session = models.ForeignKey(
        AssessmentSession, on_delete=models.CASCADE, related_name="responses", db_index=False
    )
    item = models.ForeignKey(
        QuestionnaireItem, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    value_boolean = models.BooleanField(null=True, blank=True)
    value_number = models.FloatField(null=True, blank=True)
    value_text = models.TextField(blank=True)
    selected_option = models.ForeignKey(
        QuestionOption, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    selected_options = models.ManyToManyField(
        QuestionOption, through="ResponseOptionSelection", blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "item"], name="response_session_item_unique"),
        ]
        indexes = [models.Index(fields=["item"], name="response_item_idx")]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.item.key}"


class ResponseOptionSelection(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="selections")
    option = models.ForeignKey(QuestionOption, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "option"], name="response_option_selection_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.option_id}"


class QuestionnaireEventLog(models.Model):
    class Event(models.TextChoices):
        STARTED = "started", "Started"
        AUTOSAVED = "autosaved", "Autosaved"
        RESUMED = "resumed", "Resumed"
        SUBMITTED = "submitted", "Submitted"
        SCORED = "scored", "Scored"
        ABANDONED = "abandoned", "Abandoned"

    # Lookups by session use `event_session_created_idx`; an index of its own would be one more
    # write on every autosave.
    session = models.ForeignKey(
        AssessmentSession, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    event = models.CharField(max_length=12, choices=Event.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "created_at"], name="event_session_created_idx")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.event}"


# --------------------------------------------------------------------------- scoring results


class AnalysisRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(AssessmentSession, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    score_version = models.CharField(max_length=50, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The engine's full result (skipped/unanswered items, composites) for reports and the API.
    result = models.JSONField(default=dict, blank=True)
    # A run scored in SQL (`batch_scoring`) keeps the answers it scored — item and chosen option,
    # pairwise — instead of its own 120 audit rows: its audit is those answers'
    # `OptionContribution`s, stored once per version and score version (`selectors.run_components`).
    # Null for a run scored by the engine, whose audit rows are `ResponseTraitComponent`s.
    scored_item_ids = ArrayField(models.BigIntegerField(), null=True, blank=True, editable=False)
    scored_option_ids = ArrayField(models.BigIntegerField(), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["status"],
                condition=Q(status__in=["pending", "running"]),
                name="analysis_run_unfinished_idx",
            ),
            models.Index(fields=["session", "-created_at"], name="analysis_run_session_idx"),
        ]

    def __str__(self) -> str:
        return f"Run {self.id} ({self.status})"


class TraitScore(models.Model):
    # Looked up by run through the (run, dimension) unique index: no index of its own. No database
    # FK to the run either (here and on the audit rows): the rows are written in the statement
    # that finishes their claimed, locked run, Django's CASCADE still deletes them with it, and the
    # deferred per-row checks of a batch's 31,000 rows cost ~0.3 s at each commit (bench/README.md).
    run = models.ForeignKey(
        AnalysisRun, on_delete=models.CASCADE, related_name="scores", db_index=False, db_constraint=False
    )
    # No database FK to the version's rows (db_constraint=False), here and on the other score
    # tables: those rows are immutable once published and PROTECT still guards them in Django,
    # while the per-row constraint checks cost more than scoring itself (bench/README.md).
    # No index of its own either: every read of scores goes by run ((run, dimension) index), and
    # a batch of 1,000 runs inserts 35,000 rows into each index. Only PROTECT's check, when an
    # author deletes a dimension, looks scores up by dimension alone, and it may scan the table.
    dimension = models.ForeignKey(
        TraitDimension, on_delete=models.PROTECT, related_name="scores", db_constraint=False, db_index=False
    )
    raw_score = models.FloatField()
    normalized_score = models.FloatField(null=True, blank=True)
    item_mean = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=50, blank=True)
    band_label = models.CharField(max_length=100, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    # The raw scores the answered items could produce (minmax maps them to 0 and 100) and the
    # relative emphasis among siblings (band_basis "relative"): what the results page explains
    # a score with. Null where the scoring model has none.
    scale_min = models.FloatField(null=True, blank=True)
    scale_max = models.FloatField(null=True, blank=True)
    relative = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "dimension"], name="trait_score_run_dimension_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension.slug}={self.raw_score}"


class CompositeScore(models.Model):
    # No database FK to the run, as on TraitScore: the batch writes the rows in the statement that
    # finishes their claimed, locked run, and a worker's deferred check per row, planned while the
    # runs table was small, cost more at each batch's commit than the batch itself.
    run = models.ForeignKey(
        AnalysisRun, on_delete=models.CASCADE, related_name="composite_scores", db_constraint=False
    )
    composite = models.ForeignKey(
        TraitComposite, on_delete=models.PROTECT, related_name="scores", db_constraint=False
    )
    value = models.FloatField(null=True, blank=True)
    primary_dimension = models.ForeignKey(
        TraitDimension, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "composite"], name="composite_score_run_composite_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.composite.slug}"


class ResponseTraitComponent(models.Model):
    """One answer's contribution to one dimension: the audit trail behind every score."""

    # Read by run through the (run, dimension) index; with no FK checks (to the run or the
    # version's rows) and no index of their own (see TraitScore), 120 audit rows per run stay cheap.
    run = models.ForeignKey(
        AnalysisRun, on_delete=models.CASCADE, related_name="components", db_index=False, db_constraint=False
    )
    item = models.ForeignKey(
        QuestionnaireItem, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    option = models.ForeignKey(
        QuestionOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    dimension = models.ForeignKey(
        TraitDimension, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    mapping_id = models.BigIntegerField(null=True, blank=True)
    rule_type = models.CharField(max_length=20)
    input_value = models.JSONField(null=True, blank=True)
    contribution = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["run", "dimension"], name="component_run_dimension_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.dimension_id}: {self.contribution}"


class OptionContribution(models.Model):
    """What choosing one option of one single-choice item contributes to one dimension, under a
    published version's rules as the engine of `score_version` applies them: exactly the audit row
    (`ResponseTraitComponent`) that the engine writes for that answer, stored once per version and
    score version. A run scored in SQL points at these through its `scored_*_ids` instead of
    writing 120 rows of its own (bench/README.md); a published version's rules never change."""

    # Looked up by (version, score version, item, chosen option): the unique index serves.
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    score_version = models.CharField(max_length=50)
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The option the respondent chose; `option` is the one the audit row names (option-level rules).
    chosen_option = models.ForeignKey(
        QuestionOption, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    position = models.PositiveSmallIntegerField(help_text="Order among the answer's contributions.")
    option = models.ForeignKey(
        QuestionOption, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    dimension = models.ForeignKey(TraitDimension, on_delete=models.CASCADE, related_name="+", db_index=False)
    mapping_id = models.BigIntegerField(null=True, blank=True)
    rule_type = models.CharField(max_length=20)
    input_value = models.JSONField(null=True, blank=True)
    contribution = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "score_version", "item", "chosen_option", "position"],
                name="option_contribution_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.chosen_option_id} → {self.dimension_id}: {self.contribution}"


class AnalysisReport(models.Model):
    class Format(models.TextChoices):
        JSON = "json", "JSON"
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML"

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="reports")
    format = models.CharField(max_length=10, choices=Format.choices)
    locale = models.CharField(max_length=10, default="en")
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "format", "locale"], name="analysis_report_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.format}/{self.locale}"


class ResultShare(models.Model):
    """A private link to one scored result: anyone with the token sees it without an account
    (scores, bands and texts; never the answers), until the owner revokes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    session = models.ForeignKey(AssessmentSession, on_delete=models.CASCADE, related_name="result_shares")
    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="shares")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["session", "revoked_at"], name="result_share_session_idx")]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Share of {self.session_id} ({state})"


class SubjectTraitAverage(models.Model):
    """Read-only SQL view `subject_trait_average_v` (seed 002): per subject, questionnaire
    version, respondent kind and dimension, the mean of each scored session's latest run
    (survey answers flagged as likely duplicates left out, migration 0006)."""

    pk = models.CompositePrimaryKey("subject", "questionnaire_version", "respondent_kind", "dimension")
    subject = models.ForeignKey(SubjectProfile, on_delete=models.DO_NOTHING, related_name="+")
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.DO_NOTHING, related_name="+"
    )
    respondent_kind = models.CharField(max_length=12)
    dimension = models.ForeignKey(TraitDimension, on_delete=models.DO_NOTHING, related_name="+")
    session_count = models.IntegerField()
    mean_raw = models.FloatField()
    mean_normalized = models.FloatField(null=True)
    sd_raw = models.FloatField(null=True)

    class Meta:
        managed = False
        db_table = "subject_trait_average_v"

    def __str__(self) -> str:
        return f"{self.subject_id} {self.dimension_id}: {self.mean_raw}"


# --------------------------------------------------------------------------- LLM benchmarks (seed 002)


class Benchmark(models.Model):
    """An agent subject takes a published questionnaire version `runs_requested` times.

    Each run (`BenchmarkRun`) is a normal agent `AssessmentSession`, scored like any other; the
    prompts and replies behind every answer are kept as `BenchmarkExchange`s.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="benchmarks")
    agent = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="benchmarks")
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="benchmarks"
    )
    runs_requested = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    concurrency = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    max_retries = models.PositiveIntegerField(default=2, help_text="Extra attempts after an invalid reply.")
    seed = models.BigIntegerField(help_text="Seeds every run's shuffles (run i uses a seed derived from it).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    items_per_run = models.PositiveIntegerField(default=0)
    items_per_prompt = models.PositiveIntegerField(
        default=1, help_text="Items asked in one prompt (1: one at a time; more: a numbered batch)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="benchmark_owner_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(runs_requested__gte=1), name="benchmark_runs_positive"),
            models.CheckConstraint(condition=Q(concurrency__gte=1), name="benchmark_concurrency_positive"),
            models.CheckConstraint(
                condition=Q(items_per_prompt__gte=1), name="benchmark_items_per_prompt_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} × {self.questionnaire_version} ({self.runs_requested} runs, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED}


class BenchmarkRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="runs")
    index = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    item_order = models.JSONField(default=list, blank=True, help_text="Item keys in the order asked.")
    option_orders = models.JSONField(default=dict, blank=True, help_text="Per item: option keys as shown.")
    session = models.OneToOneField(
        AssessmentSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="benchmark_run"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["benchmark", "index"]
        constraints = [
            models.UniqueConstraint(fields=["benchmark", "index"], name="benchmark_run_index_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.benchmark_id} run {self.index} ({self.status})"


class BenchmarkItemOutcome(models.Model):
    """One item of one run, settled: answered validly (a `Response` exists) or invalid.

    Written in the same transaction as the answer, so a resumed run skips exactly these items.
    """

    run = models.ForeignKey(BenchmarkRun, on_delete=models.CASCADE, related_name="outcomes")
    item_key = models.CharField(max_length=100)
    valid = models.BooleanField()
    attempts = models.PositiveIntegerField(default=1)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "item_key"], name="benchmark_outcome_run_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.item_key} {'valid' if self.valid else 'invalid'}"


class BenchmarkExchange(models.Model):
    """One prompt sent and the raw reply received, kept for audit (never the API key)."""

    run = models.ForeignKey(BenchmarkRun, on_delete=models.CASCADE, related_name="exchanges")
    item_key = models.CharField(max_length=100)
    attempt = models.PositiveIntegerField()
    messages = models.JSONField(default=list)
    reply = models.TextField(blank=True)
    parsed = models.JSONField(null=True, blank=True, help_text="The wire answer parsed from the reply.")
    valid = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["run", "item_key"], name="benchmark_exchange_item_idx")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.item_key} #{self.attempt}"


class AssessmentBatch(models.Model):
    """Persisted per-dimension statistics over a subject's runs of one version (seed 002).

    For an agent: its scored benchmark sessions. For a cohort: the latest scored self-assessment
    of each member. `stats` maps a dimension slug to {n, mean, sd, median, min, max, invalid_rate,
    values (cohorts: the sorted normalised scores used for percentiles)}.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="batches")
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="batches"
    )
    session_count = models.PositiveIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-refreshed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "questionnaire_version"], name="assessment_batch_subject_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.questionnaire_version} (n={self.session_count})"
