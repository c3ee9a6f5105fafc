"""The application `make run` serves (gunicorn with uvicorn workers).

Two kinds of views share one server:

* **async views** — the chat's streamed replies — run on the event loop through Django's ASGI
  handler: a reply that waits on a slow LLM holds no thread, so 50 streams cost 50 coroutines.
* **every other request** — the pages and the API, all synchronous views — runs through
  Django's WSGI handler on a fixed pool of threads (`a2wsgi`): one hand-over per request, and
  the whole middleware stack and view on that thread. Under the ASGI handler a synchronous view
  costs a new thread per request plus two thread switches around every `MiddlewareMixin`
  middleware (Django wraps each hook in `sync_to_async`); measured on the bare "ok" view of
  `bench/bench_hot_paths.py`: 159 req/s that way, 1,100+ through the pool.

Which side a request takes is decided by resolving its path: a coroutine view goes to the
event loop, anything else (a sync view, a 404, a static file) to the pool.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")

from a2wsgi import WSGIMiddleware  # noqa: E402
from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

django_asgi = get_asgi_application()
django_wsgi = get_wsgi_application()
# Threads per process for synchronous views: each holds at most one pooled DB connection.
SYNC_VIEW_THREADS = int(os.environ.get("WEB_THREADS", "8"))
sync_views = WSGIMiddleware(django_wsgi, workers=SYNC_VIEW_THREADS)


def runs_on_event_loop(path: str) -> bool:
    """True when `path` resolves to an async view (it is served by the ASGI handler)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


async def application(scope, receive, send):
    if scope["type"] == "http":
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if not runs_on_event_loop(path):
            return await sync_views(scope, receive, send)
    return await django_asgi(scope, receive, send)


if not settings.TESTING:
    # Build the active questionnaires' plans now, so the first visitor does not pay for them.
    from questionnaires.plan import warm_in_background

    warm_in_background()
