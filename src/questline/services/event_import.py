"""Bulk import: a history of events from a file, through the same idempotent append as
`POST /v1/events/batch`.

A file is NDJSON (one event object per line, as the API takes it) or CSV (a header row
naming event fields; see `CSV_COLUMNS`). Rows are appended in chunks, one transaction
each; after every chunk a state file records how far the import got, so an interrupted
import run again carries on after the last committed chunk. Every event has an id: the
row's own, or one derived from the row's content and how many identical rows came
before it, so a row sent twice (a resumed chunk, the same file imported again) is a
duplicate and awards nothing twice. Rows that are not valid events are written, with
their reasons, to a rejects file; they never stop the others.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import make_url

from questline.processing.ingest import NewEvent, ingest
from questline.storage.database import Database

# The event fields a CSV header may name; `properties.NAME` and `profile.FIELD` columns
# fill those objects.
CSV_COLUMNS = ("id", "type", "player", "time", "item")
PROFILE_FIELDS = ("name", "time_zone", "locale", "avatar_url")
_HEAD_BYTES = 65_536


class RowProblem(Exception):
    """A row that is not a valid event; `errors` say where and why, as the API's do."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "not a valid event")
        self.errors = errors


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unknown format, a bad CSV header)."""


@dataclass
class ImportState:
    """How far an import of one file into one app got: rows before `rows_done` are in."""

    file: str
    size: int
    head: str
    app_id: int
    database: str  # its URL without a password: a state is never carried to another one
    rows_done: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_at: int = 0  # the rejects file's length after the last committed chunk


@dataclass
class ImportSummary:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    resumed_after: int = 0
    processed: int = 0
    stopped: bool = False  # asked to stop: the state file says where to carry on
    rejects_file: Path | None = None
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class _Row:
    number: int
    raw: dict[str, Any] | None
    problem: RowProblem | None = None


def default_state_path(source: Path) -> Path:
    return source.with_name(source.name + ".import-state.json")


def default_rejects_path(source: Path) -> Path:
    return source.with_name(source.name + ".rejects.ndjson")


def import_events(
    database: Database,
    app_id: int,
    source: Path,
    *,
    to_event: Callable[[dict[str, Any]], NewEvent],
    process: Callable[[Sequence[int]], int] | None = None,
    state_path: Path | None = None,
    rejects_path: Path | None = None,
    chunk_size: int = 500,
    progress: Callable[[int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> ImportSummary:
    """Import `source` into the app. `to_event` validates one raw row (raising
    RowProblem); `process` is given the players of each committed chunk (and returns how
    many events it processed) — without it the events stay pending for the workers.
    `progress` is told how many bytes of the file each chunk read; once `stop` says so,
    the import ends after the chunk in hand, and running it again carries on."""
    state_path = state_path or default_state_path(source)
    rejects_path = rejects_path or default_rejects_path(source)
    fresh = _identity(source, app_id, database)
    state = _load_state(state_path)
    if state is None or _which(state) != _which(fresh):
        state = fresh
    summary = ImportSummary(
        rows=state.rows_done,
        accepted=state.accepted,
        duplicates=state.duplicates,
        rejected=state.rejected,
        resumed_after=state.rows_done,
        rejects_file=rejects_path,
    )
    seen: Counter[str] = Counter()
    if state.rows_done and rejects_path.exists():
        # Rows rejected in a chunk that never committed are rejected again below.
        with rejects_path.open("r+b") as partial:
            partial.truncate(state.rejects_at)
    with (
        _open_rows(source, progress) as rows,
        rejects_path.open("a" if state.rows_done else "w", encoding="utf-8") as rejects,
    ):
        for chunk in _chunks(rows, chunk_size):
            events: list[NewEvent] = []
            for row in chunk:
                if row.raw is not None and row.raw.get("id") is None:
                    row.raw["id"] = _derived_id(row.raw, seen)
                if row.number <= state.rows_done:
                    continue
                try:
                    if row.problem is not None:
                        raise row.problem
                    assert row.raw is not None
                    events.append(to_event(row.raw))
                except RowProblem as problem:
                    _reject(rejects, summary, row, problem.errors)
            if chunk[-1].number <= state.rows_done:
                continue
            _append(database, app_id, events, rejects, summary, chunk, process)
            summary.rows = chunk[-1].number
            rejects.flush()
            _save_state(
                state_path,
                ImportState(
                    fresh.file,
                    fresh.size,
                    fresh.head,
                    app_id,
                    fresh.database,
                    summary.rows,
                    summary.accepted,
                    summary.duplicates,
                    summary.rejected,
                    rejects.tell(),
                ),
            )
            if stop():
                summary.stopped = True
                return summary
    state_path.unlink(missing_ok=True)
    if not summary.rejected:
        rejects_path.unlink(missing_ok=True)
        summary.rejects_file = None
    return summary


def _append(
    database: Database,
    app_id: int,
    events: list[NewEvent],
    rejects: IO[str],
    summary: ImportSummary,
    chunk: list[_Row],
    process: Callable[[Sequence[int]], int] | None,
) -> None:
    # A player's events are processed in the order they were appended: oldest first.
    now = datetime.now(UTC)
    events.sort(key=lambda event: event.occurred_at or now)
    with database.transaction() as session:
        results = ingest(session, app_id, events, now)
    by_key = {row.raw["id"]: row for row in chunk if row.raw is not None and "id" in row.raw}
    players: set[int] = set()
    for event, result in zip(events, results, strict=True):
        if result.error is not None:
            row = by_key[event.key]
            errors = [{**e, "code": result.error.code} for e in result.error.errors] or [
                {"loc": [], "message": result.error.detail, "code": result.error.code}
            ]
            _reject(rejects, summary, row, errors)
        else:
            if result.duplicate:
                summary.duplicates += 1
            else:
                summary.accepted += 1
            # Duplicates' players too: a chunk committed just before a crash, and so sent
            # again, may have left its events pending (draining finds nothing otherwise).
            if result.player_id is not None:
                players.add(result.player_id)
    if process is not None and players:
        summary.processed += process(sorted(players))


def _reject(
    rejects: IO[str], summary: ImportSummary, row: _Row, errors: list[dict[str, Any]]
) -> None:
    summary.rejected += 1
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", []))
    reason = str(first.get("message", "not a valid event"))
    summary.reasons[f"{where}: {reason}" if where else reason] += 1
    line = {"row": row.number, "event": row.raw, "errors": errors}
    rejects.write(orjson.dumps(line, default=str).decode() + "\n")


def _derived_id(raw: dict[str, Any], seen: Counter[str]) -> str:
    # Counted by digest, not by content: memory grows with distinct rows, not with bytes.
    digest = hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
    seen[digest] += 1
    return f"import-{digest}-{seen[digest]}"


def _chunks(rows: Iterable[_Row], size: int) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _open_rows:  # noqa: N801 - used as a context manager, like open()
    """The file's rows, numbered from 1 (a CSV file's header is not a row)."""

    def __init__(self, source: Path, progress: Callable[[int], None] | None) -> None:
        self.source = source
        self.progress = progress
        suffix = source.suffix.lower()
        if suffix not in (".ndjson", ".jsonl", ".csv"):
            raise ImportFileError(f"{source.name}: import reads .ndjson (or .jsonl) and .csv files")
        self.csv = suffix == ".csv"
        self.handle: IO[bytes] | None = None

    def __enter__(self) -> Iterator[_Row]:
        self.handle = self.source.open("rb")
        lines = _counted(self.handle, self.progress)
        return _csv_rows(lines) if self.csv else _ndjson_rows(lines)

    def __exit__(self, *_: object) -> None:
        assert self.handle is not None
        self.handle.close()


def _counted(handle: IO[bytes], progress: Callable[[int], None] | None) -> Iterator[bytes]:
    for line in handle:
        if progress is not None:
            progress(len(line))
        yield line


def _ndjson_rows(lines: Iterator[bytes]) -> Iterator[_Row]:
    number = 0
    for line in lines:
        if not line.strip():
            continue
        number += 1
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield _Row(number, None, _problem(f"not JSON: {error}"))
            continue
        if not isinstance(raw, dict):
            yield _Row(number, None, _problem("a line must be one JSON object (an event)"))
            continue
        yield _Row(number, raw)


def _csv_rows(lines: Iterator[bytes]) -> Iterator[_Row]:
    reader = csv.reader(_utf8(lines))
    header = next(reader, None)
    if header is None:
        return
    _check_header(header)
    for number, cells in enumerate(reader, start=1):
        if len(cells) != len(header):
            yield _Row(
                number,
                None,
                _problem(f"{len(cells)} cells where the header names {len(header)}"),
            )
            continue
        yield _Row(number, _csv_event(header, cells))


def _utf8(lines: Iterator[bytes]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        try:
            yield line.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(
                f"line {number} of the file is not UTF-8: save the CSV file as UTF-8"
            ) from None


def _check_header(header: list[str]) -> None:
    for column in header:
        group, _, name = column.partition(".")
        if column in CSV_COLUMNS or (group == "properties" and name):
            continue
        if group == "profile" and name in PROFILE_FIELDS:
            continue
        raise ImportFileError(
            f"CSV column '{column}' is not an event field: use {', '.join(CSV_COLUMNS)},"
            " properties.NAME or profile.name / profile.time_zone / profile.locale"
            " / profile.avatar_url"
        )


def _csv_event(header: list[str], cells: list[str]) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for column, cell in zip(header, cells, strict=True):
        if cell == "":
            continue
        group, _, name = column.partition(".")
        if group == "properties" and name:
            event.setdefault("properties", {})[name] = csv_value(cell)
        elif group == "profile" and name:
            event.setdefault("profile", {})[name] = cell
        else:
            event[column] = cell
    return event


def csv_value(cell: str) -> str | int | float | bool:
    """A CSV cell as a property value: an integer, a decimal, true/false, or text."""
    if cell in ("true", "false"):
        return cell == "true"
    for kind in (int, float):
        try:
            return kind(cell)
        except ValueError:
            pass
    return cell


def _problem(message: str) -> RowProblem:
    return RowProblem([{"loc": [], "message": message, "type": "row"}])


def _identity(source: Path, app_id: int, database: Database) -> ImportState:
    with source.open("rb") as handle:
        head = hashlib.sha256(handle.read(_HEAD_BYTES)).hexdigest()
    where = make_url(database.url).render_as_string(hide_password=True)
    return ImportState(str(source.resolve()), source.stat().st_size, head, app_id, where)


def _which(state: ImportState) -> tuple[str, int, str, int, str]:
    """What a state belongs to: the file (as it is now), the app and the database."""
    return (state.file, state.size, state.head, state.app_id, state.database)


def _load_state(path: Path) -> ImportState | None:
    try:
        return ImportState(**orjson.loads(path.read_bytes()))
    except (FileNotFoundError, orjson.JSONDecodeError, TypeError):
        return None


def _save_state(path: Path, state: ImportState) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(orjson.dumps(asdict(state)))
    os.replace(partial, path)
