"""Authoring in the Django admin: analysis models, questionnaires, versions, items and bank items.

Anything published is read-only here: a published version, its items, mappings and branch rules,
and bank items (with their options) that a published version uses. Those change pages say so
and point at "New draft from this version". Publishing, drafting, export and import call the
services in `questionnaires.services` / `questionnaires.importing`.
"""

from questionnaires.admin import analysis_models, items, questionnaires  # noqa: F401 - registers
