"""The learning module: courses of units and lessons, lesson attempts that feed the game
through `lesson.completed` events, and spaced-repetition reviews of vocabulary cards
(FSRS) that feed it through `review.completed` events.

Inner order, as in the whole project: `model` (courses, scoring, progress, the due
queue), `content` (the course document), `memory` (FSRS memory states) are pure;
`tables` and `store` hold the storage; `service` and `reviews` the use cases; `schemas`
and `routes` the HTTP edge. The core never imports this package: the composition root
(`api/app.py`) wires it in.
"""
