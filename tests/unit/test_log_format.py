"""Log lines for a person at a terminal, JSON lines for everything else."""

from __future__ import annotations

import io
import json
import logging
import os
import warnings
from collections.abc import Iterator

import pytest

from questline.logs import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    logging.captureWarnings(False)


def _access_line() -> None:
    logging.getLogger("questline.access").info(
        "%s %s %s",
        "GET",
        "/v1/players/zoe",
        200,
        extra={
            "method": "GET",
            "path": "/v1/players/zoe",
            "status": 200,
            "duration_ms": 3.1,
            "actor": "key:web",
        },
    )


def test_auto_writes_json_lines_to_a_file_or_pipe() -> None:
    stream = io.StringIO()
    configure_logging("info", "auto", stream=stream)
    _access_line()
    entry = json.loads(stream.getvalue())
    assert (entry["logger"], entry["message"], entry["duration_ms"]) == (
        "questline.access",
        "GET /v1/players/zoe 200",
        3.1,
    )


def test_auto_writes_readable_lines_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        configure_logging("info", "auto", stream=terminal)
        _access_line()
        terminal.flush()
        line = os.read(leader, 4096).decode().rstrip("\r\n")
    os.close(leader)
    # the time, the level, who logged, the message, then only what it does not say
    assert line.endswith(
        " INFO     questline.access  GET /v1/players/zoe 200  duration_ms=3.1 actor=key:web"
    )
    assert not line.startswith("{")


def test_text_lines_colour_the_level_only_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.StringIO()
    configure_logging("info", "text", stream=stream)
    logging.getLogger("questline").warning("careful")
    assert "\x1b[" not in stream.getvalue()
    assert " WARNING  questline  careful" in stream.getvalue()


def test_a_python_warning_is_one_json_line_like_any_other() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("running as root is not recommended", UserWarning, stacklevel=1)
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["logger"] == "py.warnings"
    assert entry["level"] == "warning"
    assert "running as root is not recommended" in entry["message"]
