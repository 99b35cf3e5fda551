"""Logs: one JSON object per line (or a readable line at a terminal), each carrying the
request id it belongs to."""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, ClassVar, TextIO

import orjson
from starlette.types import Scope

from questline.request_context import request_id

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's terminal-coloured copy of the message
}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id when it is emitted (formatting may
    happen later, elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """One readable line per record, for a person at a terminal: local time, level,
    logger, message, then the extra fields the message does not already say."""

    _COLOURS: ClassVar[dict[str, str]] = {
        "DEBUG": "\x1b[36m",
        "INFO": "\x1b[32m",
        "WARNING": "\x1b[33m",
        "ERROR": "\x1b[31m",
        "CRITICAL": "\x1b[1;31m",
    }

    def __init__(self, colour: bool = False) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).astimezone()
        level = f"{record.levelname:<8}"
        if self.colour:
            level = f"{self._COLOURS.get(record.levelname, '')}{level}\x1b[0m"
        message = record.getMessage()
        line = f"{when:%Y-%m-%d %H:%M:%S} {level} {record.name}  {message}"
        words = set(message.split())
        fields = [
            f"{name}={value}"
            for name, value in record.__dict__.items()
            if name not in _STANDARD
            and not name.startswith("_")
            and value is not None
            and str(value) not in words
        ]
        rid = getattr(record, "request_id", None)
        if rid is not None:
            fields.append(f"request_id={rid}")
        if fields:
            line += "  " + " ".join(fields)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str, fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Send every record (Python warnings too) to one handler on ``stream`` (standard
    error): ``json`` lines for machines, ``text`` lines for people, or ``auto``: text
    when the stream is a terminal, JSON otherwise (a file, a pipe, journald)."""
    out = stream or sys.stderr
    terminal = _is_terminal(out)
    if fmt == "auto":
        fmt = "text" if terminal else "json"
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter(colour=terminal and not os.environ.get("NO_COLOR")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # A `warnings.warn` (a library's deprecation, Celery's) becomes a record like any
    # other, so JSON output stays one object per line.
    logging.captureWarnings(True)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


access_log = logging.getLogger("questline.access")


def log_access(scope: Scope, status: int, seconds: float) -> None:
    """One line per request: method, path, status, duration and who asked."""
    principal = scope.get("state", {}).get("principal")
    access_log.info(
        "%s %s %s",
        scope["method"],
        scope["path"],
        status,
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "actor": getattr(principal, "actor", None),
        },
    )
