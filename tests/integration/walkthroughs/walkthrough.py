"""What the walkthrough tests share: the walkthrough's own text and files, and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from tests.integration.conftest import BLUEPRINTS

DOCS = Path(__file__).resolve().parents[3] / "docs" / "walkthroughs"


class Walkthrough:
    """A walkthrough page: the files it shows (a fenced block after `<!-- file: NAME -->`)
    and the figures it states, so a test performs exactly what the page says."""

    def __init__(self, name: str) -> None:
        self.text = (DOCS / f"{name}.md").read_text(encoding="utf-8")

    def file(self, name: str) -> str:
        found = re.search(
            rf"<!-- file: {re.escape(name)} -->\s*```[a-z]*\n(.*?)```", self.text, re.DOTALL
        )
        assert found is not None, f"the walkthrough shows no file {name}"
        return found.group(1)

    def says(self, *phrases: str) -> None:
        """Each phrase is on the page, as the reader sees it (a line break reads as a space)."""
        text = " ".join(self.text.split())
        for phrase in phrases:
            assert " ".join(phrase.split()) in text, f"the walkthrough does not say {phrase!r}"


def blueprint(name: str) -> str:
    return (BLUEPRINTS / f"{name}.yaml").read_text(encoding="utf-8")
