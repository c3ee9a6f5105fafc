"""JSON API of assessments, included under /api/v1/ (namespace "api"); routes in assessments/api_urls.py.

One module per object kind: sessions (answer, submit, scores, run history, audit trail, re-score),
surveys about me (share links, close/reopen, aggregated results), subjects and their averages,
CSV exports (csv_exports; the CSV itself is written by assessments/exports.py), session reports,
and anonymous survey responders. Loading helpers, errors and schema helpers they share are in
common.py.

Every object is loaded through one helper per kind that answers 404 for other users' objects,
never 403. Views check the request's shape with an input serializer, call one service and
render with an output serializer (assessments/serializers.py). Errors keep the house shape
{"detail": ..., "errors": ...} (personai/api.py).
"""
