"""`questline export` and `questline apply -f`: an app's design and item catalog moved
from one server's database to another's, with what changes shown first, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import yaml
from typer.testing import CliRunner

from questline.cli import cli
from questline.settings import get_settings
from questline.yamlfile import load_yaml


class Ran(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def questline(database_url: str, *args: str) -> Ran:
    """The command in this process (the subprocess runs of test_cli.py show the entry
    point works), with its settings from the environment as a user runs it."""
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, list(args), env={"QUESTLINE_DATABASE_URL": database_url})
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


DESIGN = """
currencies: {xp: {}}
rules: [{id: attempt-xp, on: attempt.submitted, award: {xp: "item.xp"}}]
"""


def seed(url: str, tmp_path: Path, design: str = DESIGN) -> None:
    """A design published and three items, written as `questline apply` would."""
    (tmp_path / "design.yaml").write_text(design)
    assert questline(url, "migrate").returncode == 0
    published = questline(url, "apply", str(tmp_path / "design.yaml"))
    assert published.returncode == 0, published.stderr


def bundle_with(tmp_path: Path, name: str, items: list[dict[str, object]]) -> Path:
    path = tmp_path / name
    document = {"questline_bundle": 1, "design": load_yaml(DESIGN), "items": items}
    path.write_text(yaml.safe_dump(document))
    return path


ITEMS: list[dict[str, object]] = [
    {"key": "basics", "kind": "challenge", "attributes": {"xp": 100}},
    {"key": "big", "kind": "challenge", "attributes": {"xp": 300}, "names": {"en": "Big"}},
]


def test_a_bundle_moves_design_and_catalog_between_servers_and_applies_once(
    database_url: str, empty_database_url: str, tmp_path: Path
) -> None:
    staging, production = database_url, empty_database_url
    seed(staging, tmp_path)
    applied = questline(
        staging, "apply", "-f", str(bundle_with(tmp_path, "s.yaml", ITEMS)), "--yes"
    )
    assert applied.returncode == 0, applied.stderr
    exported = questline(staging, "export")
    assert exported.returncode == 0, exported.stderr
    bundle = load_yaml(exported.stdout)
    assert bundle["design"] == load_yaml(DESIGN)
    assert [item["key"] for item in bundle["items"]] == ["basics", "big"]
    assert bundle["items"][1]["names"] == {"en": "Big"}
    (tmp_path / "bundle.yaml").write_text(exported.stdout)

    assert questline(production, "migrate").returncode == 0
    first = questline(production, "apply", "-f", str(tmp_path / "bundle.yaml"), "--yes")
    assert first.returncode == 0, first.stderr
    assert "rules 'attempt-xp' added" in first.stdout or "rules added" in first.stdout
    assert "items 'basics' added (challenge)" in first.stdout
    assert "design published as version 1" in first.stdout
    again = questline(production, "apply", "-f", str(tmp_path / "bundle.yaml"))
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert load_yaml(questline(production, "export").stdout)["items"] == bundle["items"]
    assert load_yaml(questline(production, "export").stdout)["design"] == bundle["design"]


def test_the_diff_is_shown_and_nothing_changes_unless_confirmed(
    database_url: str, tmp_path: Path
) -> None:
    seed(database_url, tmp_path)
    questline(database_url, "apply", "-f", str(bundle_with(tmp_path, "a.yaml", ITEMS)), "--yes")
    changed = [{**ITEMS[0], "attributes": {"xp": 150}}]
    path = bundle_with(tmp_path, "b.yaml", changed)
    before = questline(database_url, "export").stdout
    refused = questline(database_url, "apply", "-f", str(path))  # no --yes, no terminal
    assert refused.returncode != 0
    assert "items 'basics': attributes changed from {'xp': 100} to {'xp': 150}" in refused.stdout
    assert "items 'big' retired" in refused.stdout
    assert questline(database_url, "export").stdout == before
    done = questline(database_url, "apply", "-f", str(path), "--yes")
    assert done.returncode == 0, done.stderr
    assert "design unchanged, 2 item change(s)" in done.stdout
    assert load_yaml(questline(database_url, "export").stdout)["items"] == [
        {**changed[0], "names": {}, "active": True}
    ]


def test_a_bad_bundle_says_where_and_changes_nothing(database_url: str, tmp_path: Path) -> None:
    seed(database_url, tmp_path)
    before = questline(database_url, "export").stdout
    path = bundle_with(tmp_path, "bad.yaml", [{"key": "x", "kind": "Bad Kind", "attributes": {}}])
    bad = questline(database_url, "apply", "-f", str(path), "--yes")
    assert bad.returncode == 1
    assert "items.0.kind" in bad.stderr
    document = load_yaml(path.read_text())
    document["items"] = ITEMS
    document["design"]["rules"][0]["award"] = {"gold": 1}
    path.write_text(yaml.safe_dump(document))
    bad_design = questline(database_url, "apply", "-f", str(path), "--yes")
    assert bad_design.returncode == 1
    assert "unknown currency 'gold'" in bad_design.stderr
    assert questline(database_url, "export").stdout == before


def test_a_bare_design_is_still_applied_as_before(database_url: str, tmp_path: Path) -> None:
    seed(database_url, tmp_path)
    (tmp_path / "v2.yaml").write_text(DESIGN.replace('"item.xp"', '"2 * item.xp"'))
    published = questline(database_url, "apply", str(tmp_path / "v2.yaml"))
    assert published.returncode == 0, published.stderr
    assert "published v2.yaml as version 2 of app 'default'" in published.stdout
