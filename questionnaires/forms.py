"""Forms of the questionnaire library (the admin's import page)."""

from __future__ import annotations

from django import forms

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Questionnaire file",
        help_text="A personai.questionnaire/1 JSON file, as written by “Export JSON” or the export command.",
    )
    draft = forms.BooleanField(
        required=False,
        label="Import as a draft",
        help_text="Leave unpublished (otherwise the version is published and becomes the active one).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is too large (at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB)."
            )
        return upload
