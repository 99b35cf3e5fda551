"""/console/design: the game design editor. Each action calls what the API's route for it
calls (validate, publish, preview, dry run, rollback, schedule), under that route's rule;
without JavaScript each is a form that posts and answers with the page again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from questline.api import config, config_schedules, dry_runs, event_previews
from questline.api.config_schemas import RollbackIn
from questline.api.http.context import Context
from questline.api.http.deps import ContextDep, ReadSessionDep, SessionDep
from questline.api.http.forms import is_form, read_form
from questline.api.http.sessions import SessionRoute
from questline.auth.credentials import ConsoleCaller
from questline.errors import InvalidInput, QuestlineError
from questline.services.designs import version_diff
from questline.services.dry_runs import get_dry_run
from questline.services.schedules import cancel_schedule
from questline.storage import configs
from questline.web.console import design
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=f"{PREFIX}/design", route_class=SessionRoute, include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


Form = Annotated[dict[str, str], Depends(form_fields)]


@router.get("")
def editor_page(caller: Caller, session: ReadSessionDep, published: int | None = None) -> Response:
    flash = Flash(f"Version {published} is published.") if published else None
    return _editor(caller, session, None, flash=flash)


@router.post("/validate")
async def validate(request: Request, caller: Caller, context: ContextDep) -> Response:
    """As you type (JSON from the editor's script) or from the form (a page)."""
    if is_form(request):
        source = (await read_form(request)).get("source", "")
    else:
        try:
            sent = json.loads(await request.body())
        except (ValueError, RecursionError):
            sent = None
        if not isinstance(sent, dict) or not isinstance(sent.get("source"), str):
            raise InvalidInput(
                'send {"source": "<the design as YAML>"}',
                errors=[{"loc": ["body", "source"], "message": "expected a string"}],
            )
        source = sent["source"]
    checked = await run_in_threadpool(design.check_draft, context, caller.principal.app_id, source)
    if not is_form(request):
        return JSONResponse(checked.as_dict(), headers={"Cache-Control": "no-store"})
    return await run_in_threadpool(_checked_page, context, caller, source, checked)


def _checked_page(
    context: Context, caller: ConsoleCaller, source: str, checked: design.DraftCheck
) -> Response:
    with context.database.reader() as session:
        flash = Flash("The draft is valid." if checked.valid else checked.summary, _kind(checked))
        return _editor(caller, session, source, checked, flash, 200 if checked.valid else 422)


@router.post("/publish")
def publish(caller: Caller, form: Form, context: ContextDep) -> Response:
    source = form.get("source", "")
    comment = form.get("comment", "").strip() or None
    run = form.get("dry_run", "").strip()
    try:
        published = config.publish_body(
            context,
            caller.principal,
            source.encode("utf-8"),
            design.YAML,
            comment[:500] if comment else None,
            int(run) if run.isdigit() else None,
        )
    except QuestlineError as error:
        return _refused(context, caller, source, error)
    return see_other(f"{PREFIX}/design?published={published.version}")


@router.post("/preview")
def preview(caller: Caller, form: Form, session: ReadSessionDep, context: ContextDep) -> Response:
    source = form.get("source", "")
    try:
        document = config.read_design(source.encode("utf-8"), design.YAML)[0]
        properties = json.loads(form.get("properties") or "{}")
        body = event_previews.PreviewIn(
            event={
                "type": form.get("event_type", ""),
                "player": form.get("player", ""),
                "properties": properties,
                **({"item": form["item"]} if form.get("item") else {}),
            },
            design=document,
        )
    except QuestlineError as error:
        return _refused(context, caller, source, error, session)
    except (ValueError, ValidationError) as error:
        flash = Flash(f"The event is not valid: {_first_error(error)}", "error")
        return _editor(caller, session, source, flash=flash, status=422)
    found = event_previews.preview(body, caller.principal, session, context)
    return _editor(caller, session, source, preview=found, preview_form=form)


@router.post("/dry-runs")
def dry_run(caller: Caller, form: Form, session: SessionDep, context: ContextDep) -> Response:
    source = form.get("source", "")
    try:
        document = config.read_design(source.encode("utf-8"), design.YAML)[0]
    except QuestlineError as error:
        return _refused(context, caller, source, error, session)
    started = dry_runs.post_dry_run(
        dry_runs.DryRunIn(design=document), caller.principal, session, context
    )
    return see_other(f"{PREFIX}/design/dry-runs/{started.id}")


@router.get("/dry-runs/{run_id}")
def dry_run_page(run_id: Id, caller: Caller, session: ReadSessionDep) -> Response:
    run = dry_runs._out(get_dry_run(session, caller.principal.app_id, run_id))
    return render(caller, "dry_run.html", section="/console/design", run=run)


@router.get("/versions")
def versions_page(
    caller: Caller, session: ReadSessionDep, rolled_back: int | None = None
) -> Response:
    found = design.editor(session, caller.principal.app_id)
    flash = Flash(f"Version {rolled_back} is published.") if rolled_back else None
    return render(
        caller,
        "versions.html",
        section="/console/design/versions",
        flash=flash,
        versions=found.versions,
        schedules=found.schedules,
        current=found.current,
    )


@router.get("/versions/{first}/diff/{second}")
def diff_page(first: Id, second: Id, caller: Caller, session: ReadSessionDep) -> Response:
    found = version_diff(session, caller.principal.app_id, first, second)
    return render(
        caller,
        "diff.html",
        section="/console/design/versions",
        first=first,
        second=second,
        changes=[change.describe() for change in found.changes],
        lines=diff_lines(found.text),
    )


@router.post("/rollback")
def rollback(caller: Caller, form: Form, session: SessionDep, context: ContextDep) -> Response:
    try:
        body = RollbackIn(
            version=int(form.get("version", "0")), comment=form.get("comment") or None
        )
    except (ValueError, ValidationError) as error:
        raise InvalidInput(f"the rollback is not valid: {_first_error(error)}") from None
    row = config.rollback(body, caller.principal, session, context)
    return see_other(f"{PREFIX}/design/versions?rolled_back={row.version}")


@router.post("/schedules")
def schedule(caller: Caller, form: Form, session: SessionDep, context: ContextDep) -> Response:
    source = form.get("source", "")
    try:
        document = config.read_design(source.encode("utf-8"), design.YAML)[0]
        body = config_schedules.ScheduleIn(
            design=document,
            starts_at=_utc(form.get("starts_at", "")),
            ends_at=_utc(form["ends_at"]) if form.get("ends_at") else None,
            comment=form.get("comment") or None,
        )
        config_schedules.post_schedule(body, caller.principal, session)
    except QuestlineError as error:
        return _refused(context, caller, source, error, session)
    except (ValueError, ValidationError) as error:
        flash = Flash(f"The schedule is not valid: {_first_error(error)}", "error")
        return _editor(caller, session, source, flash=flash, status=422)
    return see_other(f"{PREFIX}/design/versions")


@router.post("/schedules/{schedule_id}/cancel")
def cancel(schedule_id: Id, caller: Caller, session: SessionDep) -> Response:
    cancel_schedule(session, caller.principal.app_id, schedule_id, by=caller.principal.actor)
    return see_other(f"{PREFIX}/design/versions")


def _editor(
    caller: ConsoleCaller,
    session: Session,
    draft: str | None,
    checked: design.DraftCheck | None = None,
    flash: Flash | None = None,
    status: int = 200,
    **values: Any,
) -> Response:
    found = design.editor(session, caller.principal.app_id)
    return render(
        caller,
        "design.html",
        status=status,
        flash=flash,
        section="/console/design",
        current=found.current,
        source=found.source if draft is None else draft,
        checked=checked,
        diff=diff_lines(checked.result.diff.text)
        if checked and checked.result and checked.result.diff
        else [],
        **values,
    )


def _refused(
    context: Context,
    caller: ConsoleCaller,
    source: str,
    error: QuestlineError,
    session: Session | None = None,
) -> Response:
    """The editor again, with the draft as sent and what is wrong with it."""
    if error.status not in (400, 409, 413, 422):
        raise error
    checked = design.DraftCheck(False, error.detail, design.locate(source, error))
    flash = Flash(error.detail, "error")
    if session is not None:
        return _editor(caller, session, source, checked, flash, error.status)
    with context.database.reader() as reader:
        return _editor(caller, reader, source, checked, flash, error.status)


def _kind(checked: design.DraftCheck) -> str:
    return "ok" if checked.valid else "error"


def _first_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(error)


def _utc(text: str) -> datetime:
    """A time from a `datetime-local` field, read as UTC (the form says so)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def diff_lines(text: str) -> list[tuple[str, str]]:
    """A unified diff's lines, each with its kind: add, remove, hunk, head or same."""
    found = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            kind = "head"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "same"
        found.append((kind, line))
    return found


__all__ = ["configs", "router"]
