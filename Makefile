# Two commands: `make run` and `make test`. Everything else is here for them.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
# The stamp changes when either package's requirements do: the server's and the SDK's.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml sdk/python/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint typecheck pytest bench bench-leaderboards bench-notifications bench-social bench-distributed system-deps clean

# uv resolves and installs in well under a minute what pip takes minutes for; pip is the
# fallback where uv cannot be had. Both leave every module compiled: where Python may not
# write bytecode (PYTHONDONTWRITEBYTECODE), each process would compile its imports anew.
$(STAMP): pyproject.toml sdk/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	($(BIN)/python -m pip install --quiet uv \
		&& $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python \
			-e '.[dev]' -e sdk/python) \
		|| $(BIN)/python -m pip install --quiet -e '.[dev]' -e sdk/python
	rm -f $(VENV)/.installed-* && touch $@

## make run: install, migrate, load the demo if the database is empty, serve on :8000
## (or on QUESTLINE_PORT: `QUESTLINE_PORT=8123 make run`)
run: $(STAMP)
	@mkdir -p var
	@test -s var/admin.key || $(BIN)/python -c "from questline.auth.keys import generate_key; print(generate_key())" > var/admin.key
	@test -s var/jwt.secret || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > var/jwt.secret
	@$(BIN)/questline migrate
	@test -s var/console.password || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > var/console.password
	@$(BIN)/questline demo --if-empty --console-password-file var/console.password
	@QUESTLINE_BOOTSTRAP_KEY=$$(cat var/admin.key) QUESTLINE_JWT_SECRET=$$(cat var/jwt.secret) $(BIN)/questline serve --welcome --console-password-file var/console.password

## make test: install dev tools and servers, lint, type-check, run the whole suite
test: $(STAMP) system-deps lint typecheck pytest

system-deps:
	@bash scripts/install-system-deps.sh --browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# One test process per core (at most four), a test file's tests kept together so each
# file starts its servers once; `PYTEST_WORKERS=0 make pytest` runs in one process.
# The suite starts hundreds of server, worker and CLI processes: the project's own modules
# are compiled first, so that none of them compiles its imports where bytecode is not
# written.
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 src sdk/python/src > /dev/null
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile

## make bench: ingest and process events on the embedded default; leaderboard reads
## at a million players; the learning module's due queue and reviews; live notifications
## and webhooks; print figures
bench: $(STAMP) bench-leaderboards bench-notifications
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/event_http.py
	$(BIN)/python bench/mechanics.py
	$(BIN)/python bench/processing.py
	$(BIN)/python bench/dry_run.py
	$(BIN)/python bench/login.py
	$(BIN)/python bench/visibility.py
	$(BIN)/python bench/learning.py
	$(BIN)/python bench/economy.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/analytics.py

## make bench-notifications: 1,000 live streams and webhooks on the embedded default
bench-notifications: $(STAMP)
	$(BIN)/python bench/notifications.py

bench-leaderboards: $(STAMP)
	$(BIN)/python bench/leaderboards.py

## make bench-social: feeds and friends boards (--scale 1 is 100,000 players, 2M entries)
bench-social: $(STAMP)
	$(BIN)/python bench/social.py

## make bench-distributed: PostgreSQL, Redis, 2 API processes and Celery workers on loopback
bench-distributed: $(STAMP) system-deps
	$(BIN)/python bench/distributed.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
