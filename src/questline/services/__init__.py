"""Use cases of the core that the API and the CLI share: each takes a `Session`, never
commits, raises `questline.errors` domain errors and returns plain results."""
