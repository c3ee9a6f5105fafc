"""Texts in the respondent's perspective: their own (self-report) or an observer's.

A survey's responders answer *about* someone (a 360° survey): "Am the life of the party." must
read "Is the life of the party." for them. Every text a respondent reads may therefore have an
observer form next to it, in every locale, following IPIP's observer convention (third person,
no pronoun): `observer_text` on bank items, `observer_label` on options, `observer_title` on
sections, `observer_instructions` on the version, `observer_min_label` / `observer_max_label` in a
scalar's config; translations carry the same names. `{name}` in an observer text stands for the
person the survey is about.

Which text an observer reads, in `lang`: the observer text in `lang`; else the self text in
`lang` (the right language matters more than the right person); else the default-locale observer
text; else the default-locale self text. Everything here reads rows the caller loaded (no queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionnaires.models import (
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    translated,
)

NAME_PLACEHOLDER = "{name}"


def fill(text: str, about: str) -> str:
    """`{name}` replaced by the observed person's name (no other braces are interpreted)."""
    return text.replace(NAME_PLACEHOLDER, about)


def _pick(
    default_texts: Mapping[str, Any],
    translations: Mapping[str, Any] | None,
    field: str,
    lang: str | None,
    about: str | None,
) -> str:
    """`field` of a thing whose default-locale texts are `default_texts`, in the perspective asked for."""
    local = ((translations or {}).get(lang) or {}) if lang else {}
    if about is None:
        return local.get(field) or default_texts.get(field) or ""
    observer = f"observer_{field}"
    if local.get(observer):
        return fill(local[observer], about)
    if local.get(field):
        return local[field]
    if default_texts.get(observer):
        return fill(default_texts[observer], about)
    return default_texts.get(field) or ""


def item_text(item: QuestionnaireItem, lang: str | None, about: str | None = None) -> str:
    """The question as the respondent reads it; `about`: the observed person, None for self-report.

    An item's `text_override` replaces the text in every locale and perspective."""
    if item.text_override:
        return item.text_override
    bank = item.bank_item
    return _pick(
        {"text": bank.text, "observer_text": bank.observer_text}, bank.translations, "text", lang, about
    )


def option_label(option: QuestionOption, lang: str | None, about: str | None = None) -> str:
    if about is None:
        return translated(option, "label", lang)
    texts = {"label": option.label, "observer_label": option.observer_label}
    return _pick(texts, option.translations, "label", lang, about)


def scale_label(item: QuestionnaireItem, name: str, lang: str | None, about: str | None = None) -> str:
    """A scalar's `min_label` or `max_label` (from its config; translated in the bank item)."""
    return _pick(item.config, item.bank_item.translations, name, lang, about)


def section_title(version: QuestionnaireVersion, key: str, lang: str | None, about: str | None = None) -> str:
    for section in version.sections or []:
        if isinstance(section, dict) and section.get("key") == key:
            return _pick(section, section.get("translations"), "title", lang, about)
    return ""


def instructions(version: QuestionnaireVersion, lang: str | None, about: str | None = None) -> str:
    texts = {"instructions": version.instructions, "observer_instructions": version.observer_instructions}
    return _pick(texts, version.translations, "instructions", lang, about)


# --------------------------------------------------------------------------- completeness


def missing_observer_texts(version: QuestionnaireVersion) -> list[str]:
    """Item keys of a version (loaded with its bank items) that have no observer text in a locale
    where they have a self text; "key (de)" names the locale. Unscored free-text items count too:
    an observer reads them as well."""
    missing: list[str] = []
    for item in version.items.all():
        if item.text_override:
            continue  # one text for everyone, by the author's choice
        bank = item.bank_item
        if not bank.observer_text:
            missing.append(item.key)
        for locale, texts in sorted((bank.translations or {}).items()):
            if isinstance(texts, dict) and texts.get("text") and not texts.get("observer_text"):
                missing.append(f"{item.key} ({locale})")
    return missing
