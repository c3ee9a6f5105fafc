"""The application `make run` serves (gunicorn with uvicorn workers).

Two kinds of views share one server:

* **async views** — the chat's streamed replies — run on the event loop through Django's ASGI
  handler: a reply that waits on a slow LLM holds no thread, so 50 streams cost 50 coroutines.
* **every other request** — the pages and the API, all synchronous views — runs through
  Django's WSGI handler on a fixed pool of threads (`personai/wsgi_bridge.py`): one hand-over
  to a thread and one back per request, and the whole middleware stack and view on that
  thread. Under the ASGI handler a synchronous view costs a new thread per request plus two
  thread switches around every `MiddlewareMixin` middleware (Django wraps each hook in
  `sync_to_async`); measured on the bare "ok" view of `bench/bench_hot_paths.py`: 159 req/s
  that way, 1,100+ through the pool.

Which side a request takes is decided by resolving its path against the routes of coroutine
views only (a copy of the URL tree pruned to them, built once): a match goes to the event loop,
anything else (a sync view, a 404, a static file) to the pool. Resolving against the whole tree
here, on the event loop, cost an API request about 0.2 ms before Django resolved it again.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")

from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver  # noqa: E402

from personai.wsgi_bridge import WSGIBridge  # noqa: E402

django_asgi = get_asgi_application()
django_wsgi = get_wsgi_application()
# Threads per process for synchronous views: each holds at most one pooled DB connection.
SYNC_VIEW_THREADS = int(os.environ.get("WEB_THREADS", "8"))
sync_views = WSGIBridge(django_wsgi, workers=SYNC_VIEW_THREADS)


def _coroutine_routes(resolver: URLResolver) -> URLResolver | None:
    """A copy of `resolver` that keeps only the routes to coroutine views (None: it has none)."""
    kept = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            entry = _coroutine_routes(entry)
            if entry is not None:
                kept.append(entry)
        elif isinstance(entry, URLPattern) and iscoroutinefunction(entry.callback):
            kept.append(entry)
    if not kept:
        return None
    return URLResolver(resolver.pattern, kept, resolver.default_kwargs, resolver.app_name, resolver.namespace)


_event_loop_routes = _coroutine_routes(get_resolver())


def runs_on_event_loop(path: str) -> bool:
    """True when `path` resolves to an async view (it is served by the ASGI handler)."""
    if _event_loop_routes is None:
        return False
    try:
        _event_loop_routes.resolve(path)
    except Resolver404:
        return False
    return True


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
    from personai import row_memory
    from questionnaires.plan import warm_in_background

    # Build the active questionnaires' plans now, so the first visitor does not pay for them.
    warm_in_background()
    # Listen for row changes now, so that the first visitors' sessions are remembered.
    row_memory.is_live()
