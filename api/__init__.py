"""The HTTP API (FastAPI): ``api.app.create_app(settings)``; run it with ``powermap serve``.

Layout: ``app`` (factory, middleware, docs), ``settings``, ``deps`` (typed
dependencies), ``security`` (principal, sign-in rules), ``state`` (keys, sessions,
audit, webhooks in the API's own SQLite file), ``visibility`` (what a key may see),
``scope`` (what a restricted key may write), ``writes`` (the write path), ``events``
(event bus, watchers, webhook delivery), ``exports`` (graph formats, safe CSV/XLSX),
``schemas``, ``problems`` (RFC 9457 errors), ``responses`` (ETag, cursors), ``paths``
(ids with ``/`` in URLs) and ``routes/`` (one router per resource).
"""

# ids with '/' or '%' in paths: the path convertor must be in place before any route is made
from api import paths  # noqa: E402, F401
