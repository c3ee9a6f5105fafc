"""Whole questionnaire versions in and out as one JSON file (docs/questionnaire-format.md).

`export_version` writes the canonical document: every field present, dimensions in tree order
(domains by sort order, each followed by its facets), everything else in display order. Import
reads a document into the same canonical form, checks it completely (`reading`: structure and
references here, the publishing rules in `validation.version_problems`), then checks it against the
database, and only then writes, inside one transaction (`writing`). Export → import → export is
byte-identical.
"""

from questionnaires.importing.exporting import FORMAT, export_analysis_model, export_json, export_version
from questionnaires.importing.writing import ImportResult, ImportValidationError, import_document, import_json

__all__ = [
    "FORMAT",
    "ImportResult",
    "ImportValidationError",
    "export_analysis_model",
    "export_json",
    "export_version",
    "import_document",
    "import_json",
]
