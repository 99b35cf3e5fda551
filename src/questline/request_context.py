"""The id of the request being served, for log lines and audit entries.

Set by the request-id middleware; a context variable, so it follows the request into the
thread pool that runs synchronous endpoints and into code that never sees the request.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("questline_request_id", default=None)
