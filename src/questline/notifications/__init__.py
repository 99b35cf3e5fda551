"""Notifications: a player's inbox, live streams (SSE) and signed webhooks, all written
to an outbox in the transaction of the effects that cause them and sent after commit.

A bounded module: the core never imports it. The composition root (`api/app.py`)
installs it into the server (`wiring.py`) and mounts its routes; `questline.composition`
installs it into workers that run apart from a server (`worker_wiring.py`).
"""
