"""Input and output serializers of the assessments API (assessments/api/).

Input serializers check the shape of a request; the services decide what is allowed. Output
serializers render plain dicts and model instances the views assemble from selectors. Component
names are prefixed or explicit (`ref_name`) so they cannot collide with other apps' schemas.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import (
    MAX_INVITATIONS_PER_REQUEST,
    MAX_RESPONSES_LIMIT,
    MIN_RESPONSES_FLOOR,
    MIN_RESPONSES_LIMIT,
    AnalysisRun,
    AssessmentSession,
)
from personai.validation import StrictCharField, StrictIntegerField

# --------------------------------------------------------------------------- shared


class StrictBooleanField(serializers.BooleanField):
    """Takes only JSON booleans: DRF's BooleanField also takes "yes", "on", 1 and the like."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false (a JSON boolean).")
        return data


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can act on.")
    errors = serializers.JSONField(
        required=False, help_text="Per-field (or per-item) messages, keyed by field name or item key."
    )

    class Meta:
        ref_name = "AssessmentsError"


class QuestionnaireRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()

    class Meta:
        ref_name = "AssessmentQuestionnaireRef"


@extend_schema_field(QuestionnaireRefSerializer)
class QuestionnaireRefField(serializers.Field):
    """A questionnaire version (with its questionnaire loaded) as {slug, version, title}."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "questionnaire_version")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return {
            "slug": value.questionnaire.slug,
            "version": value.version,
            "title": value.questionnaire.title,
        }


@extend_schema_field(
    {
        "oneOf": [
            {"type": "boolean"},
            {"type": "number"},
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
        ],
        "nullable": True,
        "description": "Wire format by item type: boolean; scalar number; single_choice option key; "
        "multi_choice list of option keys; text string. `null` clears an answer.",
    }
)
class AnswerValueField(serializers.JSONField):
    pass


def _status_field(choices, description: str) -> serializers.CharField:
    """A status string with its values listed inline.

    Wrapped in allOf so drf-spectacular does not lift it into a shared `StatusEnum` component:
    sessions and runs both have a `status`, with different values, in several components.
    """
    values = [value for value, _label in choices]

    @extend_schema_field({"allOf": [{"type": "string", "enum": values}], "description": description})
    class StatusField(serializers.CharField):
        pass

    return StatusField()


class RunSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = _status_field(AnalysisRun.Status.choices, "pending → running → done (or failed).")
    score_version = serializers.CharField(help_text="Engine and rules fingerprint; empty until scored.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "AnalysisRun"


# --------------------------------------------------------------------------- sessions


class SessionCreateSerializer(serializers.Serializer):
    questionnaire = serializers.SlugField(max_length=100, help_text="Slug of a published questionnaire.")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Version number; default: the active version."
    )
    locale = StrictCharField(
        required=False, max_length=10, help_text="Locale of the texts, e.g. de; default: the questionnaire's."
    )

    class Meta:
        ref_name = "AssessmentSessionCreate"


class ProgressSerializer(serializers.Serializer):
    answered = serializers.IntegerField(help_text="Visible items that have an answer.")
    visible = serializers.IntegerField(help_text="Items shown, given the branch rules and answers so far.")
    required_missing = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of visible required items still unanswered."
    )
    total = serializers.IntegerField(
        help_text="Visible items that count toward progress: the required ones plus optional ones "
        "already answered (progress is `answered` of `total`, as on the pages)."
    )

    class Meta:
        ref_name = "AssessmentProgress"


class AnswerSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="Item key.")
    value = AnswerValueField()

    class Meta:
        ref_name = "AssessmentAnswer"


class SessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = _status_field(AssessmentSession.Status.choices, "in_progress → submitted → scored.")
    respondent_kind = serializers.ChoiceField(choices=AssessmentSession.RespondentKind.choices)
    questionnaire = QuestionnaireRefField()
    subject = serializers.UUIDField(source="subject_id")
    locale = serializers.CharField()
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    scored_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "AssessmentSession"


class SessionDetailSerializer(SessionSerializer):
    progress = ProgressSerializer()
    answers = AnswerSerializer(many=True)
    latest_run = RunSerializer(allow_null=True)

    class Meta:
        ref_name = "AssessmentSessionDetail"


class ResponsesSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=AnswerValueField(allow_null=True),
        allow_empty=True,
        help_text='Item key → answer, e.g. {"q1": 3, "q2": true, "q3": ["a", "b"]}; null clears an answer.',
    )

    class Meta:
        ref_name = "AssessmentResponses"


class IncompleteSerializer(ErrorSerializer):
    missing = serializers.ListField(child=serializers.CharField(), help_text="Keys of the unanswered items.")

    class Meta:
        ref_name = "AssessmentIncomplete"


# --------------------------------------------------------------------------- scores


class ScoresRunSerializer(RunSerializer):
    error = serializers.CharField(
        allow_null=True, help_text="Why scoring failed (staff only; null for everyone else)."
    )

    class Meta:
        ref_name = "AnalysisRunWithError"


class DimensionScoreSerializer(serializers.Serializer):
    dimension = serializers.CharField(help_text="Dimension slug.")
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="Slug of the domain, for a facet.")
    raw = serializers.FloatField()
    normalized = serializers.FloatField(allow_null=True)
    item_mean = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_blank=True)
    band_label = serializers.CharField(allow_blank=True)
    item_count = serializers.IntegerField()

    class Meta:
        ref_name = "TraitScore"

    def get_fields(self):
        fields = super().get_fields()
        # Facets have the same shape (and may have facets of their own).
        fields["facets"] = DimensionScoreSerializer(many=True)
        return fields


class CompositeScoreSerializer(serializers.Serializer):
    slug = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Weighted sum (null for argmax).")
    primary = serializers.CharField(allow_null=True, help_text="Argmax: slug of the highest dimension.")

    class Meta:
        ref_name = "CompositeScore"


class ScoresSerializer(serializers.Serializer):
    run = ScoresRunSerializer()
    dimensions = DimensionScoreSerializer(many=True, help_text="Domains, each with its facets nested.")
    composites = CompositeScoreSerializer(many=True)
    skipped = serializers.ListField(child=serializers.CharField(), help_text="Items the branch rules hid.")
    unanswered = serializers.ListField(child=serializers.CharField(), help_text="Visible items left empty.")

    class Meta:
        ref_name = "SessionScores"


class ComponentSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="Item key.")
    option = serializers.CharField(allow_null=True, help_text="Option key, for option-level rules.")
    dimension = serializers.CharField()
    rule = serializers.CharField()
    mapping_id = serializers.IntegerField(allow_null=True)
    input = serializers.JSONField(help_text="The value the rule saw.")
    contribution = serializers.FloatField()

    class Meta:
        ref_name = "ScoreComponent"


class ComponentsSerializer(serializers.Serializer):
    run = RunSerializer(allow_null=True)
    components = ComponentSerializer(many=True)

    class Meta:
        ref_name = "SessionScoreComponents"


# --------------------------------------------------------------------------- surveys


class SurveyCreateSerializer(serializers.Serializer):
    questionnaire = serializers.SlugField(max_length=100)
    version = serializers.IntegerField(required=False, min_value=1, help_text="Default: the active version.")
    title = StrictCharField(required=False, allow_blank=True, max_length=200, default="")
    closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    max_responses = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_RESPONSES_LIMIT, default=None
    )
    min_responses_to_show = serializers.IntegerField(
        required=False,
        min_value=MIN_RESPONSES_FLOOR,
        max_value=MIN_RESPONSES_LIMIT,
        default=MIN_RESPONSES_FLOOR,
        help_text=f"Others' answers are shown (and exportable, as aggregates) only once this many "
        f"responded; at least {MIN_RESPONSES_FLOOR}, so no single answer can be read off an average.",
    )
    invitation_only = StrictBooleanField(
        required=False,
        default=False,
        help_text="Take answers only through personal single-use invitation links, not the share link.",
    )
    exclude_likely_duplicates = StrictBooleanField(
        required=False,
        default=False,
        help_text="Leave answers flagged as likely duplicates out of the results and the export.",
    )

    class Meta:
        ref_name = "SurveyCreate"


class SurveyUpdateSerializer(serializers.Serializer):
    invitation_only = StrictBooleanField(
        required=False, help_text="Take answers only through personal single-use invitation links."
    )
    exclude_likely_duplicates = StrictBooleanField(
        required=False,
        help_text="Leave answers flagged as likely duplicates out of the results and the export.",
    )

    class Meta:
        ref_name = "SurveyUpdate"


class SurveySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField(allow_blank=True)
    questionnaire = QuestionnaireRefField()
    subject = serializers.UUIDField(source="subject_id")
    share_url = serializers.URLField(help_text="The link to send to responders.")
    is_active = serializers.BooleanField(help_text="False once the owner closed the survey.")
    is_open = serializers.BooleanField(
        help_text="Whether it takes answers now (active, not expired, not full)."
    )
    closes_at = serializers.DateTimeField(allow_null=True)
    max_responses = serializers.IntegerField(allow_null=True)
    min_responses_to_show = serializers.IntegerField()
    response_count = serializers.IntegerField(help_text="Submitted responses.")
    duplicate_count = serializers.IntegerField(
        help_text="Of `response_count`, answers flagged as likely duplicates: sent from the same network "
        "and browser as an earlier answer (kept: they may come from another person)."
    )
    invitation_only = serializers.BooleanField(
        help_text="Only personal invitation links take answers; the share link does not."
    )
    exclude_likely_duplicates = serializers.BooleanField(
        help_text="Likely duplicates are left out of the results and the export."
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Survey"


class InvitationCreateSerializer(serializers.Serializer):
    count = StrictIntegerField(
        min_value=1,
        max_value=MAX_INVITATIONS_PER_REQUEST,
        help_text=f"How many single-use links to create (1 to {MAX_INVITATIONS_PER_REQUEST}).",
    )

    class Meta:
        ref_name = "SurveyInvitationCreate"


class InvitationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField(help_text="The personal link to send to one person; it starts one answer.")
    status = serializers.ChoiceField(
        choices=["unused", "used", "revoked"],
        help_text="unused, used (someone started answering with it; never who or what) or revoked.",
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "SurveyInvitation"


class OthersSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean_raw = serializers.FloatField(allow_null=True)
    mean_normalized = serializers.FloatField(allow_null=True)

    class Meta:
        ref_name = "SurveyOthersMean"


class SelfScoreSerializer(serializers.Serializer):
    raw = serializers.FloatField()
    normalized = serializers.FloatField(allow_null=True)

    class Meta:
        ref_name = "SurveySelfScore"


class SurveyDimensionSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    others = OthersSerializer(allow_null=True, help_text="Null while fewer than `threshold` responded.")
    self = SelfScoreSerializer(allow_null=True, help_text="The subject's own latest self-assessment.")

    class Meta:
        ref_name = "SurveyDimension"


class SurveyResultsSerializer(serializers.Serializer):
    responses = serializers.IntegerField(
        help_text="Scored responses the means are built from (likely duplicates unless excluded)."
    )
    likely_duplicates = serializers.IntegerField(
        help_text="Scored responses flagged as likely duplicates, whether included or not. They never "
        "count towards `threshold`."
    )
    duplicates_excluded = serializers.BooleanField(
        help_text="Whether likely duplicates are left out of `responses` and the means."
    )
    threshold = serializers.IntegerField(
        help_text="Responses (not counting likely duplicates) needed before others' means are shown."
    )
    shown = serializers.BooleanField()
    dimensions = SurveyDimensionSerializer(many=True)

    class Meta:
        ref_name = "SurveyResults"


# --------------------------------------------------------------------------- subjects


class SubjectSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    subject_type = serializers.CharField()
    display_name = serializers.CharField()
    is_me = serializers.BooleanField(help_text="True for your own (human) profile.")
    locale = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Subject"


class SubjectAverageSerializer(serializers.Serializer):
    questionnaire = serializers.CharField(help_text="Questionnaire slug.")
    version = serializers.IntegerField()
    respondent_kind = serializers.CharField()
    dimension = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    session_count = serializers.IntegerField()
    mean_raw = serializers.FloatField()
    mean_normalized = serializers.FloatField(allow_null=True)
    sd_raw = serializers.FloatField(allow_null=True, help_text="Null with a single session.")

    class Meta:
        ref_name = "SubjectTraitAverage"


class SubjectAveragesSerializer(serializers.Serializer):
    subject = SubjectSerializer()
    averages = SubjectAverageSerializer(many=True)

    class Meta:
        ref_name = "SubjectAverages"
