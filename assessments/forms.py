"""Forms of the assessment pages. Answers are not Django forms: their fields come from the
questionnaire (see presenters.build_question), and the engine validates them."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from assessments.models import (
    MAX_INVITATIONS_PER_REQUEST,
    MAX_RESPONSES_LIMIT,
    MIN_RESPONSES_FLOOR,
    MIN_RESPONSES_LIMIT,
)
from questionnaires.models import Questionnaire, QuestionnaireVersion


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QuestionnaireVersion) -> str:
        count = getattr(obj, "item_count", None)
        suffix = f" · {count} questions" if count else ""
        return f"{obj.questionnaire.title}{suffix}"


class SurveyCreateForm(forms.Form):
    version = VersionChoiceField(
        queryset=QuestionnaireVersion.objects.none(),
        label="Questionnaire",
        empty_label=None,
        help_text="Responders answer this questionnaire about you.",
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        label="Title (optional)",
        help_text="Shown to responders, e.g. “Feedback for Sam after the spring project”.",
    )
    closes_on = forms.DateField(
        required=False,
        label="Close on (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The survey stops taking answers at the end of this day.",
    )
    max_responses = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_RESPONSES_LIMIT,
        label="Maximum responses (optional)",
        help_text="Close automatically after this many answers.",
    )
    min_responses_to_show = forms.IntegerField(
        initial=3,
        min_value=MIN_RESPONSES_FLOOR,
        max_value=MIN_RESPONSES_LIMIT,
        label="Show results after (responses)",
        help_text="Others’ answers stay hidden until at least this many people responded, so no "
        "single answer can be singled out (at least 3).",
    )
    invitation_only = forms.BooleanField(
        required=False,
        label="Invitation only",
        help_text="Only personal single-use links take answers (you create them on the survey page), "
        "so nobody can answer twice. Without it, anyone with the share link can answer once per browser.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = (
            QuestionnaireVersion.objects.filter(
                is_active=True, published_at__isnull=False, questionnaire__status=Questionnaire.Status.ACTIVE
            )
            .select_related("questionnaire")
            .order_by("questionnaire__title")
        )

    def clean_closes_on(self) -> dt.date | None:
        closes_on = self.cleaned_data.get("closes_on")
        if closes_on is not None and closes_on < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day.")
        return closes_on

    def closes_at(self) -> dt.datetime | None:
        """The end of the chosen day in the site's time zone."""
        closes_on = self.cleaned_data.get("closes_on")
        if closes_on is None:
            return None
        return timezone.make_aware(dt.datetime.combine(closes_on, dt.time(23, 59, 59)))


class SurveySettingsForm(forms.Form):
    invitation_only = forms.BooleanField(
        required=False,
        label="Invitation only",
        help_text="Only personal single-use links take answers; the share link does not.",
    )
    exclude_likely_duplicates = forms.BooleanField(
        required=False,
        label="Leave likely duplicates out of the results",
        help_text="Answers sent from the same network and browser as an earlier answer are marked as "
        "likely duplicates. They may come from different people (flatmates, colleagues), so they are "
        "kept; choose here whether your results and export count them.",
    )


class InvitationCreateForm(forms.Form):
    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_INVITATIONS_PER_REQUEST,
        initial=5,
        label="Number of links",
        help_text=f"Each link works once, for one person (1 to {MAX_INVITATIONS_PER_REQUEST} at a time).",
    )
