"""Where the banner tells a person to go."""

from __future__ import annotations

import pytest

from questline.serving import base_url, welcome


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8123"),
        ("0.0.0.0", "http://127.0.0.1:8123"),
        ("::", "http://[::1]:8123"),
        ("::1", "http://[::1]:8123"),
        ("localhost", "http://localhost:8123"),
    ],
)
def test_the_url_is_one_this_machine_can_open(host: str, url: str) -> None:
    assert base_url(host, 8123) == url


def test_without_a_bootstrap_key_the_welcome_shows_no_key() -> None:
    assert welcome("http://127.0.0.1:8123", None).strip() == (
        "Questline is starting on http://127.0.0.1:8123  (API docs: http://127.0.0.1:8123/docs)"
    )


def test_the_welcome_names_the_console_and_its_demo_sign_in() -> None:
    lines = welcome("http://127.0.0.1:8000", None, None, ("designer@example.com", "s3cret"))
    assert (
        "The web console: http://127.0.0.1:8000/console"
        "  (sign in as designer@example.com, password s3cret)"
    ) in lines
