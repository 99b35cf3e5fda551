"""What the client raises: one base class, and for every answer the server refused, the
RFC 9457 problem details it sent (``type, title, status, detail, code, errors,
request_id``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from questline_client.retry import retry_after_seconds


class QuestlineError(Exception):
    """Base of every error the client raises."""


class TransportError(QuestlineError):
    """The server could not be reached, or the connection broke, on every attempt."""


class APIError(QuestlineError):
    """The server answered with a problem (a 4xx or 5xx status).

    ``type``, ``title``, ``status``, ``detail``, ``code``, ``errors`` and ``request_id``
    are the problem's fields; ``errors`` lists field-level problems, each with a ``loc``
    (where) and a ``message``. ``headers`` are the answer's headers.
    """

    def __init__(
        self,
        *,
        status: int,
        type: str = "about:blank",
        title: str = "",
        detail: str = "",
        code: str = "",
        errors: list[dict[str, Any]] | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.code = code
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.request_id = request_id
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        where = f" [{request_id}]" if request_id else ""
        super().__init__(f"{status} {code or title}: {detail}{where}")


class BadRequest(APIError):
    """400: the body could not be parsed (and the base of the other input errors)."""


class ValidationError(BadRequest):
    """422: the request is not valid; ``errors`` says where."""


class PayloadTooLarge(BadRequest):
    """413: the body is over the server's size limit."""


class AuthError(APIError):
    """401: no credentials, or unknown, revoked or expired ones."""


class Forbidden(AuthError):
    """403: the credentials are valid but may not do this."""


class NotFound(APIError):
    """404: there is no such thing (or, for a player token, not one of its own)."""


class Conflict(APIError):
    """409: the change conflicts with what exists."""


class RateLimited(APIError):
    """429: over a rate limit; ``retry_after`` is the seconds the server asked to wait."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers.get("retry-after"))


class Unavailable(APIError):
    """503: no answer in time, or a dependency is down; retrying with the same
    idempotency keys is safe."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers.get("retry-after"))


class ServerError(APIError):
    """Any other 5xx status."""


class EventRejected(QuestlineError):
    """One event of a batch was refused (the rest were recorded); the fields are the
    batch result's ``error`` of that event."""

    def __init__(
        self,
        event_id: str | None,
        *,
        code: str,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.event_id = event_id
        self.code = code
        self.detail = detail
        self.errors: list[dict[str, Any]] = list(errors or [])
        super().__init__(f"event {event_id!r} rejected ({code}): {detail}")


class BatcherFull(QuestlineError):
    """The batcher holds its ``max_queue`` events and no room was made in time."""


class BatcherClosed(QuestlineError):
    """An event was added to a batcher that is closed."""


class WebhookVerificationError(QuestlineError):
    """A webhook's signature, timestamp or headers do not check out: do not trust it."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationError,
    429: RateLimited,
    503: Unavailable,
}


def error_from_response(response: httpx.Response) -> APIError:
    """The typed error of a problem answer (or of any failed answer, problem or not)."""
    fields: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        fields = body
    status = response.status_code
    kind = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    errors = fields.get("errors")
    return kind(
        status=status,
        type=str(fields.get("type", "about:blank")),
        title=str(fields.get("title", response.reason_phrase)),
        detail=str(fields.get("detail", response.text[:500] if body is None else "")),
        code=str(fields.get("code", "")),
        errors=errors if isinstance(errors, list) else None,
        request_id=fields.get("request_id") or response.headers.get("x-request-id"),
        headers=response.headers,
    )
