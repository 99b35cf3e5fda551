"""The analytics module: engagement figures per app — active players, events, awards,
new players, retention cohorts, and distributions of levels, streaks, achievements and
quests — with SVG charts of them.

Daily figures come from rollups the worker writes in each batch's own transaction
(`projection.py`), so a redelivered event, which finds itself processed, counts once;
`rebuild.py` recomputes them from the event log. Distributions of the players' current
state are computed from the core's tables by a periodic job (`snapshots.py`). The core
never imports this package: `api/app.py` and `composition.py` wire it in."""
