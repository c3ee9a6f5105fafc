"""Pages of the assessments app (server-rendered, enhanced with htmx; all work without JavaScript).

- `flow`: the taking machinery shared by the owner's and the anonymous responder's pages.
- `sessions`: catalogue, start, taking, thank-you/scoring status and results of one's own sessions.
- `surveys`: surveys about me (the owner's side) and the anonymous responders' pages.
"""
