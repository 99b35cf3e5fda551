"""Small pieces of markup every page repeats (icons, progress bars), made in Python: a
Jinja macro costs a page more to call than the markup it writes."""

from __future__ import annotations

from functools import cache

from markupsafe import Markup

# Inline SVG (no icon font, no emoji font needed): 24×24, drawn in currentColor.
ICON_PATHS = {
    "flame": (
        "M12 2c1 3.5 5 6 5 11a5 5 0 0 1-10 0c0-2.2 1-3.9 2.3-5.2.2 1.7 1 2.9 2.2 3.4C11"
        " 8.6 10.8 5.4 12 2z"
    ),
    "medal": (
        "M7 2h4l1 4 1-4h4l-3 7.2A6 6 0 1 1 10 9.2L7 2zm5 9.5a4 4 0 1 0 0 8 4 4 0 0 0"
        " 0-8zm0 1.8 1 2 2.2.3-1.6 1.5.4 2.2-2-1-2 1 .4-2.2-1.6-1.5 2.2-.3 1-2z"
    ),
    "lock": (
        "M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V11a1 1"
        " 0 0 1 1-1h1zm2 0h6V7a3 3 0 0 0-6 0v3zm3 4a1.5 1.5 0 0 0-.8 2.8V19h1.6v-2.2A1.5"
        " 1.5 0 0 0 12 14z"
    ),
    "star": (
        "M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8L12 2.5z"
    ),
    "snow": (
        "M11 2h2v4.3l2.6-1.5 1 1.7L13 8.7v2.6l2.3-1.3V6h2v2.9l2.6-1.5 1 1.7L18.4 11l2.5"
        " 1.5-1 1.7-2.6-1.5V16h-2v-3.8L13 10.9v2.6l3.6 2.1-1 1.7-2.6-1.5V20h-2v-4.2l-2.6"
        " 1.5-1-1.7 3.6-2.1v-2.6l-2.3 1.3V16h-2v-2.9l-2.6 1.5-1-1.7L5.6 11 3.1 9.6l1-1.7"
        " 2.6 1.5V6h2v4l2.3 1.3V8.7L7.4 6.5l1-1.7L11 6.3V2z"
    ),
}


_HIDDEN = Markup(
    '<svg class="icon icon--{name}" viewBox="0 0 24 24" width="24" height="24"'
    ' fill="currentColor" focusable="false" aria-hidden="true"><path d="{path}"/></svg>'
)
_LABELLED = Markup(
    '<svg class="icon icon--{name}" viewBox="0 0 24 24" width="24" height="24"'
    ' fill="currentColor" focusable="false" role="img" aria-label="{label}">'
    '<path d="{path}"/></svg>'
)
_BAR = Markup(
    '<progress class="bar{modifier}" max="100" value="{percent}" aria-label="{label}">'
    "{rounded}%</progress>"
)


def icon(name: str, label: str | None = None) -> Markup:
    """An icon; with a label, an image screen readers announce, else hidden from them.
    (`Markup.format` escapes what it fills in.)"""
    if label:
        return _LABELLED.format(name=name, label=label, path=ICON_PATHS[name])
    return _hidden_icon(name)


@cache
def _hidden_icon(name: str) -> Markup:
    # Kept: one per icon. A label may be anyone's text, so labelled ones are not.
    return _HIDDEN.format(name=name, path=ICON_PATHS[name])


def bar(percent: float, label: str, kind: str = "") -> Markup:
    """A progress bar to 100, labelled for screen readers, its rounded percent as text."""
    return _BAR.format(
        modifier=f" bar--{kind}" if kind else "",
        percent=percent,
        label=label,
        rounded=int(round(percent, 0)),
    )
