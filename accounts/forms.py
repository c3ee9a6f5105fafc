from __future__ import annotations

from django import forms

from accounts.models import ApiKey


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label="Key name",
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text="Something that tells you later where the key is used, e.g. “laptop script”.",
        error_messages={"required": "Give the key a name, for example “laptop script”."},
    )
