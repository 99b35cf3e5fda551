"""The charts are well-formed SVG that a strict Content-Security-Policy shows, say what
they show to a screen reader, and carry every figure in their text table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from questline.analytics.charts import CohortRow, Series, bar_chart, cohort_heatmap, line_chart

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 3, 1) + timedelta(days=n) for n in range(14)]


def _parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby")
    assert labelled is not None
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").get("id") == labelled  # type: ignore[union-attr]
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert not any(name.startswith("on") for name in element.attrib), element.tag
        assert element.tag not in {f"{SVG}script", f"{SVG}style"}
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_a_line_chart_draws_each_series_with_axis_labels_and_a_legend() -> None:
    chart = line_chart(
        "active",
        "Active players & events",
        [
            Series("Active players", [(d, n * 3) for n, d in enumerate(DAYS)]),
            Series("Events", [(d, n * 10) for n, d in enumerate(DAYS)]),
        ],
        "per day",
    )
    root = _parsed(chart.svg)
    assert root.find(f"{SVG}title").text == "Active players & events"  # type: ignore[union-attr]
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    texts = _texts(root)
    assert "2026-03-01" in texts
    assert "2026-03-14" in texts
    assert "per day" in texts
    assert "Active players" in texts
    assert "Events" in texts
    assert "0" in texts
    assert max(float(t.replace(",", "")) for t in texts if t.replace(",", "").isdigit()) >= 130
    table = ET.fromstring(chart.table)
    rows = table.findall("./tbody/tr")
    assert len(rows) == 14
    assert [c.text for c in rows[-1]] == ["2026-03-14", "39", "130"]


def test_a_bar_chart_writes_each_value_above_its_bar() -> None:
    chart = bar_chart(
        "levels", "Players per level", [("1", 240), ("2", 88), ("3", 0)], "level", "players"
    )
    root = _parsed(chart.svg)
    assert len(list(root.iter(f"{SVG}rect"))) == 3
    texts = _texts(root)
    assert {"240", "88", "level", "players"} <= set(texts)
    assert "<caption>Players per level</caption>" in chart.table
    assert "<td>88</td>" in chart.table


def test_a_cohort_heatmap_shows_shares_and_unknown_ones_as_a_dash() -> None:
    chart = cohort_heatmap(
        "retention",
        "Retention",
        ["Day 1", "Day 7", "Day 30"],
        [CohortRow("Week of 2026-03-02", 120, [0.45, 0.2583, None])],
    )
    texts = _texts(_parsed(chart.svg))
    assert {"45.0%", "25.8%", "–", "Day 30"} <= set(texts)
    assert "Week of 2026-03-02 (120)" in texts
    assert "<td>25.8%</td>" in chart.table


def test_text_from_a_design_is_escaped() -> None:
    chart = bar_chart("q", "Quest <b>&</b>", [("<script>", 1)], "step", "players")
    _parsed(chart.svg)
    assert "<script>" not in chart.svg
    assert "<script>" not in chart.table


def test_an_empty_series_still_draws_an_axis() -> None:
    _parsed(line_chart("empty", "Nothing yet", [Series("Events", [])], "per day").svg)
