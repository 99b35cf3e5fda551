"""Domain errors. Each carries its HTTP status; one handler turns them into problem details."""

from __future__ import annotations

from typing import Any


class QuestlineError(Exception):
    status = 500
    code = "internal_error"
    title = "Internal error"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def problem(self, at: list[str | int] | None = None) -> dict[str, Any]:
        """The problem details of this error inside an answer (a refused event of a
        batch), the same shape as a whole answer's; ``at`` goes before each location."""
        body: dict[str, Any] = {
            "type": f"urn:questline:problem:{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if self.errors:
            body["errors"] = [{**e, "loc": [*(at or []), *e["loc"]]} for e in self.errors]
        return body


class InvalidInput(QuestlineError):
    status = 422
    code = "invalid_input"
    title = "The request is not valid"


class InvalidDesign(InvalidInput):
    code = "invalid_design"
    title = "The game design is not valid"


class ProcessingFailed(InvalidInput):
    """The design could not score an event (a property a rule reads is missing)."""

    code = "processing_failed"
    title = "The event could not be processed"


class MalformedBody(QuestlineError):
    status = 400
    code = "malformed_body"
    title = "The request body could not be parsed"


class Unauthorized(QuestlineError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(QuestlineError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(QuestlineError):
    status = 404
    code = "not_found"
    title = "Not found"


class UnknownPlayer(NotFound):
    """The 404 every endpoint answers for a player id the app has never seen."""

    def __init__(self, player_id: str) -> None:
        super().__init__(f"no player with id '{player_id}'")


class ModuleNotEnabled(NotFound):
    """The app's design does not turn on the module the request is for."""

    code = "module_not_enabled"
    title = "The module is not enabled for this app"

    def __init__(self, module: str) -> None:
        super().__init__(
            f"the {module} module is not enabled for this app: its design turns it on"
            f" with `modules: [{module}]`"
        )


class Conflict(QuestlineError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Refused(Conflict):
    """What the request asks is not possible in the current state; `code` names the rule
    that refused it (`insufficient_funds`, `sold_out`, `limit_reached`, …)."""

    title = "Not possible now"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class PayloadTooLarge(QuestlineError):
    status = 413
    code = "payload_too_large"
    title = "The request body is too large"


class Unavailable(QuestlineError):
    status = 503
    code = "unavailable"
    title = "Temporarily unavailable"


class SchemaMismatch(RuntimeError):
    """The database schema does not match this version of Questline."""
