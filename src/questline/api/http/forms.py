"""HTML forms as browsers send them (`application/x-www-form-urlencoded`), read without a
multipart parser: the console's forms carry text only."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from questline.errors import MalformedBody

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200


def is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == FORM_TYPE


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (the last value of a field sent twice); empty for another body.
    The body is read once and kept by the request, so a later read sees it again."""
    if not is_form(request):
        return {}
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise MalformedBody(f"the form is not UTF-8 text of at most {MAX_FIELDS} fields") from None
    return dict(pairs)
