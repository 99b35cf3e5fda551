"""The charts of an app's overview, drawn from the service's figures: what a console page
shows with one call. Each chart's id is its key, prefixed so that several on one page
have distinct element ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from questline.analytics import charts, service
from questline.analytics.charts import Chart, CohortRow, Series
from questline.analytics.model import RETENTION_DAYS, DateRange, Interval
from questline.analytics.snapshots import ACHIEVEMENTS, LEVELS, QUESTS, STREAKS
from questline.processing.designs import DesignCache


def activity_chart(points: list[service.ActivityPoint], prefix: str = "analytics") -> Chart:
    return charts.line_chart(
        f"{prefix}-activity",
        "Active players and events per day",
        [
            Series("Active players", [(p.start, p.players) for p in points]),
            Series("Events", [(p.start, p.events) for p in points]),
        ],
        "per day",
    )


def awards_chart(points: list[service.AwardPoint], prefix: str = "analytics") -> Chart:
    currencies = sorted({c for p in points for c in p.awarded})
    return charts.line_chart(
        f"{prefix}-awards",
        "Awarded per day, by currency",
        [Series(c, [(p.day, p.awarded.get(c, 0)) for p in points]) for c in currencies],
        "awarded",
    )


def new_players_chart(points: list[service.DayCount], prefix: str = "analytics") -> Chart:
    return charts.line_chart(
        f"{prefix}-new-players",
        "New players per day",
        [Series("New players", [(p.day, p.players) for p in points])],
        "players",
    )


def retention_chart(cohorts: list[service.Cohort], prefix: str = "analytics") -> Chart:
    return charts.cohort_heatmap(
        f"{prefix}-retention",
        "Retention: share of each week's new players active on day N",
        [f"Day {n}" for n in RETENTION_DAYS],
        [
            CohortRow(
                f"Week of {c.week.isoformat()}", c.new_players, [r.share for r in c.retention]
            )
            for c in cohorts
        ],
    )


def distribution_charts(found: service.Distribution, prefix: str = "analytics") -> list[Chart]:
    """One bar chart per progression, streak, or one for achievements or a quest."""
    data = found.data
    if found.figure == LEVELS:
        return [
            charts.bar_chart(
                f"{prefix}-levels-{p['currency']}",
                f"Players per {p['currency']} level",
                [(str(row["level"]), row["players"]) for row in p["levels"]],
                "level",
                "players",
            )
            for p in data["progressions"]
        ]
    if found.figure == STREAKS:
        return [
            charts.bar_chart(
                f"{prefix}-streaks-{s['streak']}",
                f"Current {s['streak']} streak lengths",
                [(row["length"], row["players"]) for row in s["buckets"]],
                "length",
                "players",
            )
            for s in data["streaks"]
        ]
    if found.figure == ACHIEVEMENTS:
        return [
            charts.bar_chart(
                f"{prefix}-achievements",
                "Share of players who unlocked each achievement (%)",
                [(a["name"], round(100 * (a["share"] or 0), 1)) for a in data["achievements"]],
                "achievement",
                "% of players",
            )
        ]
    assert found.figure == QUESTS
    return [
        charts.bar_chart(
            f"{prefix}-quest-{q['quest']}",
            f"Quest funnel: {q['name']}",
            [(step.get("name", step["step"]), step["players"]) for step in q["steps"]],
            "step",
            "players",
        )
        for q in data["quests"]
    ]


def overview(
    session: Session,
    designs: DesignCache,
    app_id: int,
    days: DateRange,
    now: datetime | None = None,
    prefix: str = "analytics",
) -> dict[str, list[Chart]]:
    """Every chart of the app's figures over `days`, by figure name."""
    found: dict[str, list[Chart]] = {
        "activity": [activity_chart(service.activity(session, app_id, days, Interval.DAY), prefix)],
        "awards": [awards_chart(service.awards(session, app_id, days), prefix)],
        "new_players": [new_players_chart(service.new_players(session, app_id, days), prefix)],
        "retention": [retention_chart(service.retention(session, app_id, days, now), prefix)],
    }
    for figure in (LEVELS, STREAKS, ACHIEVEMENTS, QUESTS):
        found[figure] = distribution_charts(
            service.distribution(session, designs, app_id, figure, now), prefix
        )
    return found
