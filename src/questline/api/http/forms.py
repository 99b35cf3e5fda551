"""HTML forms as browsers send them: `application/x-www-form-urlencoded` (text fields),
and `multipart/form-data` for the one form that uploads a file (the console's import)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from questline.errors import MalformedBody

FORM_TYPE = "application/x-www-form-urlencoded"
UPLOAD_TYPE = "multipart/form-data"
MAX_FIELDS = 200
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_form(request: Request) -> bool:
    return _type(request) in (FORM_TYPE, UPLOAD_TYPE)


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (the last value of a field sent twice); empty for another body.
    The body is read once and kept by the request, so a later read sees it again."""
    return dict(await read_form_items(request))


async def read_form_items(request: Request) -> list[tuple[str, str]]:
    """The form's fields in order, a field sent twice (checkboxes of one name) twice."""
    if not is_form(request):
        return []
    if _type(request) == UPLOAD_TYPE:
        return (await _multipart(request))[0]
    body = await request.body()
    try:
        return parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise MalformedBody(f"the form is not UTF-8 text of at most {MAX_FIELDS} fields") from None


Uploads = dict[str, tuple[str, bytes]]


async def _multipart(request: Request) -> tuple[list[tuple[str, str]], Uploads]:
    """A multipart form's text fields and files, read once (its files closed at once, so a
    refused request leaves none open) and kept on the request for later reads."""
    kept: tuple[list[tuple[str, str]], Uploads] | None = getattr(request.state, "multipart", None)
    if kept is not None:
        return kept
    fields: list[tuple[str, str]] = []
    files: Uploads = {}
    async with request.form(max_files=1, max_fields=MAX_FIELDS) as form:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields.append((name, value))
            else:
                files[name] = (value.filename or "", await value.read(MAX_UPLOAD_BYTES + 1))
    request.state.multipart = (fields, files)
    return fields, files


async def read_upload(request: Request, field: str) -> tuple[str, bytes]:
    """The name and content of the file a form uploads as ``field`` (at most 5 MB)."""
    if _type(request) != UPLOAD_TYPE:
        raise MalformedBody("upload the file with a form of type multipart/form-data")
    upload = (await _multipart(request))[1].get(field)
    if upload is None:
        raise MalformedBody(f"the form has no file '{field}'")
    if len(upload[1]) > MAX_UPLOAD_BYTES:
        raise MalformedBody(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return upload
