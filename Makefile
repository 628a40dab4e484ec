# The two commands: `make run` (set up everything, load the demo, serve) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
MANAGE := $(PY) manage.py
# Without DATABASE_URL the project runs its own PostGIS cluster on 127.0.0.1:5433.
DB_TARGET := $(if $(DATABASE_URL),,db)
# ...and, for the tests, its streaming read replica on :5434 and pgbouncer on :6432.
REPLICA_TARGET := $(if $(DATABASE_URL),,replica)

.PHONY: help run test lint stop system db replica setup migrate demo messages bench fuzz peers load backup restore

help:
	@echo "make run   - install what is missing, migrate, load the demo data, serve on :8000"
	@echo "make test  - the same set-up, then every test (browser tests included)"
	@echo "make lint  - ruff;  make stop - stop the local database cluster, its replica and pooler"
	@echo "make replica - a streaming read replica on :5434 and pgbouncer on :6432 (docs/scaling.md)"
	@echo "make fuzz  - schemathesis on the API, FUZZ_EXAMPLES (200) per operation, as engineer and official"
	@echo "make backup - database dump, media files and manifest into backups/<timestamp>/"
	@echo "make restore BACKUP=backups/<timestamp> [DB=name] [FORCE=1] - restore and verify"
	@echo "make load  - 60 users against gunicorn for LOAD_SECONDS (180), JSON figures"

system:
	@scripts/install_system.sh

.venv/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || python3 -m venv .venv
	@.venv/bin/pip install -q --upgrade pip
	@.venv/bin/pip install -q -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

db:
	@scripts/pg_cluster.sh start

# A streaming replica of that cluster and the pooler (docs/scaling.md); the replica tests use it.
replica: db
	@scripts/pg_replica.sh start

messages: .venv/.installed
	@$(MANAGE) compilemessages -l zh_Hans -l en --ignore=.venv -v 0

setup: system .venv/.installed node_modules/.installed $(DB_TARGET) messages

migrate: setup
	@$(MANAGE) migrate --noinput -v 0

demo: migrate
	@$(MANAGE) load_demo

# The evaluation worker runs beside the server (pages never evaluate; it keeps verdicts current
# after every write) and stops with it.
run: demo
	@$(MANAGE) demo_accounts
	@echo "Serving on http://127.0.0.1:8000  (Ctrl-C to stop; DEBUG off: tracebacks in this console)"
	@$(MANAGE) evaluation_worker -v 0 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(MANAGE) runserver 127.0.0.1:8000

test: setup $(REPLICA_TARGET)
	@scripts/run_tests.sh

lint: .venv/.installed
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

stop:
	@scripts/pg_replica.sh stop
	@scripts/pg_cluster.sh stop

peers:
	@scripts/bench_peers_setup.sh

bench: setup peers
	@.venv/bin/python -m tests.benchmarks.run

load: setup
	@.venv/bin/python -m tests.benchmarks.load

backup:
	@scripts/backup.sh

restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp> [DB=name] [FORCE=1]"; exit 2; }
	@FORCE=$(or $(FORCE),0) scripts/restore.sh "$(BACKUP)" $(DB)

# A longer schemathesis run than the one in `make test` (3 examples per operation).
FUZZ_EXAMPLES ?= 200
fuzz: setup
	@FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) scripts/run_tests.sh tests/hostile/test_fuzz_api.py -s -p no:warnings
