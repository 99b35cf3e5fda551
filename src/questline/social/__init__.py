"""The social module: follows, blocks, private profiles, the activity feed and cheers.

The core never imports it; the composition root (`api/app.py`, `composition.py`) wires
it in: its projection writes activity entries in the worker's batch, its routes serve
the feed, and it gives the leaderboards the circle of players someone follows."""
