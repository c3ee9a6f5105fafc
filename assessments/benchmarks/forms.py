"""Forms of the benchmark pages. They check shape only; caps, published versions and ownership
are the services' rules, whose errors the views put back on the fields."""

from __future__ import annotations

from django import forms

from assessments.benchmarks import services


class RunSettingsForm(forms.Form):
    runs = forms.IntegerField(label="Runs (N)", min_value=1, max_value=10_000, initial=5)
    concurrency = forms.IntegerField(label="Concurrency", min_value=1, max_value=1_000, initial=1)
    seed = forms.IntegerField(
        label="Seed", min_value=0, max_value=2**62 - 1, required=False, help_text="Empty: a random seed."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["runs"].help_text = f"At most {services.max_runs()}."
        self.fields["concurrency"].help_text = f"Runs at once, at most {services.max_concurrency()}."

    def add_service_errors(self, exc: services.BenchmarkError) -> None:
        for name, message in exc.errors.items():
            self.add_error(name if name in self.fields else None, message)
        if not exc.errors:
            self.add_error(None, exc.message)


class BenchmarkStartForm(RunSettingsForm):
    agent = forms.TypedChoiceField(label="Agent", coerce=str)
    version = forms.TypedChoiceField(label="Questionnaire version", coerce=int, empty_value=None)
    items_per_prompt = forms.IntegerField(
        label="Items per prompt",
        min_value=1,
        max_value=services.MAX_ITEMS_PER_PROMPT,
        initial=1,
        help_text=f"Ask 1 item at a time, or a batch of up to {services.MAX_ITEMS_PER_PROMPT}.",
    )
    field_order = ["agent", "version", "runs", "concurrency", "seed", "items_per_prompt"]

    def __init__(self, *args, agents, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(str(agent.pk), agent.display_name) for agent in agents]
        # Only published versions are offered; a tampered id of a draft is refused by the service.
        self.fields["version"].choices = [(version.pk, str(version)) for version in versions]
        self.fields["version"].valid_value = lambda value: str(value).isdigit()


class FidelityStartForm(RunSettingsForm):
    persona = forms.UUIDField(widget=forms.HiddenInput)
