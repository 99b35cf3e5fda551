"""/v1/config: the app's game design, as immutable numbered versions."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Path, Query, Request, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from questline import design_limits
from questline.api.config_schemas import (
    ConfigVersionList,
    ConfigVersionOut,
    RollbackIn,
    ValidationResult,
    VersionDiffOut,
    changes_out,
    diff_out,
)
from questline.api.http.context import Context
from questline.api.http.deps import (
    ConfigWriter,
    ContextDep,
    CurrentKey,
    Principal,
    ReadSessionDep,
    SessionDep,
)
from questline.api.http.openapi_shapes import YAML_TOO, component_ref
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.documents import load_json, unstorable_text
from questline.engine.design import GameDesign
from questline.engine.design_diff import DesignDiff
from questline.errors import InvalidDesign, InvalidInput, MalformedBody, NotFound
from questline.services.designs import check_document, diff_from_current, version_diff
from questline.services.dry_runs import checked_with
from questline.storage import audit, configs
from questline.storage.database import after_commit
from questline.storage.models import ConfigVersion
from questline.storage.pages import split_page
from questline.yamlfile import load_yaml

router = APIRouter(prefix="/v1/config", tags=["config"], route_class=SessionRoute)

_DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": YAML_TOO.format(document="the game design"),
        "content": {
            "application/json": {"schema": component_ref(GameDesign)},
        },
    }
}


def parse_document(raw: bytes, content_type: str) -> tuple[dict[str, Any], str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("the design must be UTF-8 text") from None
    if "json" in content_type:
        try:
            document = load_json(text)
        except json.JSONDecodeError as error:
            raise MalformedBody(
                f"the body is not valid JSON: {error.msg}"
                f" at line {error.lineno}, column {error.colno}"
            ) from None
    else:
        try:
            document = load_yaml(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = (
                f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            )
            problem = getattr(error, "problem", None) or str(error)
            located = {"line": mark.line + 1, "column": mark.column + 1} if mark else {}
            raise MalformedBody(
                f"the body is not valid YAML: {problem}{where}",
                errors=[{"loc": [], "message": problem, **located}],
            ) from None
    if (unstorable := unstorable_text(document)) is not None:
        path, problem = unstorable
        raise InvalidInput(f"the design {problem}", errors=[{"loc": path, "message": problem}])
    if not isinstance(document, dict):
        raise InvalidDesign(
            "a game design is a mapping with keys such as currencies, metrics and rules",
            errors=[{"loc": [], "message": "expected a mapping at the top level"}],
        )
    return document, text


def read_design(body: bytes, content_type: str) -> tuple[dict[str, Any], str]:
    """`parse_document`, refused with 413 before parsing if the design is too large."""
    design_limits.check_bytes(body)
    if "json" not in content_type:
        with contextlib.suppress(UnicodeDecodeError):  # parse_document says what is wrong
            design_limits.check_yaml_values(body.decode("utf-8"))
    document, source = parse_document(body, content_type)
    design_limits.check_values(document)
    return document, source


@router.put(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a new version of the game design",
    openapi_extra=_DOCUMENT_BODY,
    responses=problems(409),
)
async def put_config(
    request: Request,
    principal: ConfigWriter,
    context: ContextDep,
    comment: Annotated[str | None, Query(max_length=500)] = None,
    dry_run: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**31 - 1,
            description="the dry run this document was checked with: it must be this"
            " app's, finished, and run on this very document (else 409)",
        ),
    ] = None,
) -> ConfigVersionOut:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    # Parsing, compiling and storing block: all of it in one trip to the thread pool.
    return await run_in_threadpool(
        publish_body, context, principal, body, content_type, comment, dry_run
    )


def publish_body(
    context: Context,
    principal: Principal,
    body: bytes,
    content_type: str,
    comment: str | None,
    dry_run: int | None,
) -> ConfigVersionOut:
    document, source = read_design(body, content_type)
    check_document(document)  # before the transaction: compiling takes no writer's turn
    # Its own unit of work: the route is async (it reads the raw body); the console calls it too.
    with context.database.transaction() as session:
        if dry_run is not None:
            checked_with(session, principal.app_id, dry_run, document)
        row = configs.publish(
            session,
            principal.app_id,
            document,
            source=source,
            comment=comment,
            created_by=principal.actor,
            dry_run_id=dry_run,
        )
        _audit_publish(session, principal, row, "config.publish")
    _published(context, principal.app_id)
    return ConfigVersionOut.model_validate(row)


@router.post(
    "/validate", summary="Check a game design without publishing it", openapi_extra=_DOCUMENT_BODY
)
async def validate_config(
    request: Request, principal: ConfigWriter, context: ContextDep
) -> ValidationResult:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    return await run_in_threadpool(validate_body, context, principal.app_id, body, content_type)


def validate_body(
    context: Context, app_id: int, body: bytes, content_type: str
) -> ValidationResult:
    document = read_design(body, content_type)[0]
    compiled = check_document(document)
    compared = _diff_from_current(context, app_id, document)
    return ValidationResult(
        valid=True,
        currencies=sorted(compiled.currencies),
        metrics=[metric.key for metric in compiled.metrics],
        rules=[rule.id for rule in compiled.rules],
        current_version=None if compared is None else compared[0],
        diff=None if compared is None else diff_out(compared[1]),
    )


def _diff_from_current(
    context: Context, app_id: int, document: dict[str, Any]
) -> tuple[int, DesignDiff] | None:
    with context.database.reader() as session:
        return diff_from_current(session, app_id, document)


@router.get("", summary="The current game design", responses=problems(404))
def get_config(principal: CurrentKey, session: ReadSessionDep) -> ConfigVersionOut:
    row = configs.current(session, principal.app_id)
    if row is None:
        raise NotFound("no game design has been published yet: PUT /v1/config")
    return ConfigVersionOut.model_validate(row)


@router.get("/versions", summary="Every published version, newest first")
def list_versions(
    principal: CurrentKey, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None
) -> ConfigVersionList:
    rows = configs.versions(
        session, principal.app_id, limit=limit + 1, before=decode_cursor(cursor)
    )
    shown, last = split_page(rows, limit, _version)
    return ConfigVersionList(
        data=[ConfigVersionOut.model_validate(row) for row in shown],
        next_cursor=cursor_after(last),
    )


def _version(row: ConfigVersion) -> int:
    return row.version


@router.get("/versions/{version}", summary="One published version")
def get_version(
    version: Annotated[int, Path(ge=1, le=2**31 - 1, description="a published version")],
    principal: CurrentKey,
    session: ReadSessionDep,
) -> ConfigVersionOut:
    row = configs.get_version(session, principal.app_id, version)
    if row is None:
        raise NotFound(f"there is no version {version}")
    return ConfigVersionOut.model_validate(row)


@router.get(
    "/versions/{first}/diff/{second}",
    summary="What changed from one version to another",
    responses=problems(404),
)
def get_version_diff(
    first: Annotated[int, Path(ge=1, le=2**31 - 1, description="the version to compare from")],
    second: Annotated[int, Path(ge=1, le=2**31 - 1, description="the version to compare to")],
    principal: CurrentKey,
    session: ReadSessionDep,
) -> VersionDiffOut:
    found = version_diff(session, principal.app_id, first, second)
    return VersionDiffOut(
        from_version=first, to_version=second, changes=changes_out(found), text=found.text
    )


@router.post(
    "/rollback",
    status_code=status.HTTP_201_CREATED,
    summary="Publish an earlier version again",
    responses=problems(404),
)
def rollback(
    body: RollbackIn, principal: ConfigWriter, session: SessionDep, context: ContextDep
) -> ConfigVersionOut:
    earlier = configs.get_version(session, principal.app_id, body.version)
    if earlier is None:
        raise NotFound(f"there is no version {body.version}")
    comment = body.comment or f"rollback to version {body.version}"
    check_document(earlier.document)
    row = configs.publish(
        session,
        principal.app_id,
        earlier.document,
        source=earlier.source,
        comment=comment,
        created_by=principal.actor,
    )
    _audit_publish(session, principal, row, "config.rollback")
    after_commit(session, lambda: _published(context, principal.app_id))
    return ConfigVersionOut.model_validate(row)


def _published(context: Context, app_id: int) -> None:
    """After the commit: reads here see the new version at once, and players who already
    qualify for an achievement it adds or lowers receive it (in the background)."""
    context.designs.forget_current(app_id)
    if context.backfill is not None and context.settings.backfill_after_publish:
        context.backfill.request(app_id)


def _audit_publish(session: Session, principal: Principal, row: ConfigVersion, action: str) -> None:
    previous = configs.get_version(session, principal.app_id, row.version - 1)
    audit.record(
        session,
        principal,
        action,
        "config",
        row.version,
        before={"version": previous.version, "document": previous.document} if previous else None,
        after={
            "version": row.version,
            "comment": row.comment,
            "dry_run": row.dry_run_id,
            "document": row.document,
        },
    )
