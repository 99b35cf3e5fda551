"""An app's brand on its player pages and widgets: the accent colour each theme can read
(WCAG contrast), and the stylesheet that sets it. No I/O.

A brand colour is what a designer chose, not what every background can carry: a light
yellow is unreadable as link text on white, a navy one on the dark theme. Each theme gets
the brand colour moved towards black (light theme) or white (dark theme) just as far as
it takes for its text to reach 4.5:1 on that theme's backgrounds.
"""

from __future__ import annotations

from dataclasses import dataclass

Rgb = tuple[int, int, int]

TEXT_CONTRAST = 4.5  # WCAG 2 AA for body text
_STEPS = 40


@dataclass(frozen=True)
class Theme:
    """The colours of a theme (as app.css sets them) that an accent must read on."""

    name: str
    backgrounds: tuple[str, ...]  # where the accent is text: page and card
    text: str  # the text that sits on the soft accent
    others: tuple[str, ...]  # other text colours that sit on the soft accent
    toward: str  # where to move a colour that is not readable
    soft_mix: float  # how far the soft accent is from the accent towards the surface


LIGHT = Theme("light", ("#ffffff", "#f5f6f8"), "#1a1d23", ("#166534", "#4a5261"), "#000000", 0.88)
DARK = Theme("dark", ("#181d25", "#0f1318"), "#e8ebf0", ("#86efac", "#a9b1bd"), "#ffffff", 0.78)
_DARK_TEXT = "#111827"
_LIGHT_TEXT = "#ffffff"


@dataclass(frozen=True)
class Accent:
    """One theme's accent: as text and fills, the text on it, and its soft background."""

    accent: str
    accent_text: str
    accent_soft: str


@dataclass(frozen=True)
class Brand:
    """What an app's settings say of its brand (each part optional)."""

    name: str | None = None
    color: str | None = None
    logo_url: str | None = None

    @property
    def light(self) -> Accent | None:
        return accent_for(self.color, LIGHT) if self.color else None

    @property
    def dark(self) -> Accent | None:
        return accent_for(self.color, DARK) if self.color else None


def parse(color: str) -> Rgb:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_of(rgb: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in parse(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: str, b: str, share_of_b: float) -> str:
    ra, rb = parse(a), parse(b)
    return hex_of(
        (
            round(ra[0] + (rb[0] - ra[0]) * share_of_b),
            round(ra[1] + (rb[1] - ra[1]) * share_of_b),
            round(ra[2] + (rb[2] - ra[2]) * share_of_b),
        )
    )


def readable(color: str, backgrounds: tuple[str, ...], toward: str) -> str:
    """``color``, moved towards ``toward`` in small steps until it reads on every one of
    ``backgrounds`` (``toward`` itself, black or white, always does)."""
    for step in range(_STEPS + 1):
        candidate = mix(color, toward, step / _STEPS)
        if all(contrast(candidate, bg) >= TEXT_CONTRAST for bg in backgrounds):
            return candidate
    return toward


def accent_for(color: str, theme: Theme) -> Accent:
    accent = readable(color, theme.backgrounds, theme.toward)
    on_accent = max((_LIGHT_TEXT, _DARK_TEXT), key=lambda text: contrast(text, accent))
    surface = theme.backgrounds[0]
    soft = mix(accent, surface, theme.soft_mix)
    # The soft accent is a background for text: closer to the surface until all of it reads.
    share = theme.soft_mix
    while share < 1 and not all(
        contrast(text, soft) >= TEXT_CONTRAST for text in (theme.text, *theme.others)
    ):
        share = min(1.0, share + 0.02)
        soft = mix(accent, surface, share)
    return Accent(accent, on_accent, soft)


def stylesheet(brand: Brand) -> str:
    """The custom properties app.css reads, for both themes (empty without a colour)."""
    light, dark = brand.light, brand.dark
    if light is None or dark is None:
        return ""

    def block(selector: str, accent: Accent) -> str:
        return (
            f"{selector} {{ --ql-accent: {accent.accent}; --ql-accent-text: {accent.accent_text};"
            f" --ql-accent-soft: {accent.accent_soft}; }}\n"
        )

    return (
        "/* The app's brand colour, made readable in each theme. */\n"
        + block(":root", light)
        + "@media (prefers-color-scheme: dark) {\n  "
        + block(':root:not([data-theme="light"])', dark)
        + "}\n"
        + block(':root[data-theme="dark"]', dark)
    )
