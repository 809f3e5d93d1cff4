# The two commands of the quick start are `make dev` and `make test`.
# Every target bootstraps .venv from pyproject.toml + uv.lock first, so a fresh machine needs only python3.
# The interpreter of .venv (override: `make PYTHON=/path/to/python3`): the first of a
# distribution's CPython (/usr/local/bin: python.org's builds and the python:3.x images the
# Dockerfile uses; /usr/bin: Debian's) and python3 on PATH that is 3.11-3.13 with its C headers
# (mypyc, `make native`). Those distribution builds are compiled with PGO and LTO; pyenv's, often
# first on PATH, are not unless asked: on the gateway benchmark the router serves about 10% more
# requests per CPU second on Debian's 3.11.2 than on pyenv's 3.11.7 (docs/perf.md, issue #20).
SUPPORTED_PYTHON := import os, sys, sysconfig; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14) \
	and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(or $(firstword $(foreach candidate,/usr/local/bin/python3 /usr/bin/python3,$(shell \
	$(candidate) -c '$(SUPPORTED_PYTHON)' >/dev/null 2>&1 && echo $(candidate)))),python3)
endif
PYTHON_STAMP := .cache/python/$(subst /,_,$(PYTHON))
UV_VERSION := 0.13.8
TOOLS := .cache/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: dev test lint bench schema-check schema-compose sdl clean graphiql native

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# --compile-bytecode: imports read .pyc files even where PYTHONDONTWRITEBYTECODE is set (as on the
# shared development machine), which made every service compile its libraries at every start.
$(SYNCED): pyproject.toml uv.lock $(PYTHON_STAMP) | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# .venv follows PYTHON: another interpreter (a new machine, `make PYTHON=...`) makes a new stamp
$(PYTHON_STAMP):
	rm -rf $(dir $@) && mkdir -p $(dir $@) && touch $@

## native: mypyc-compile router/native.py's NATIVE_MODULES into .cache/native when a source changed
## (a no-op otherwise; pure Python with one message when there is no C compiler; ROUTER_PURE_PYTHON=1
## skips it). The router ignores a build older than its sources, see router/native.py.
native: $(SYNCED)
	@$(VENV)/bin/python -m router.native_build

## graphiql: the router's GraphiQL assets from the npm registry (pinned by package-lock.json)
GRAPHIQL_DIR := router/http/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL_DIR)/node_modules/.installed
$(GRAPHIQL_STAMP): $(GRAPHIQL_DIR)/package.json $(GRAPHIQL_DIR)/package-lock.json
	cd $(GRAPHIQL_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
graphiql: $(GRAPHIQL_STAMP)

## dev: the whole system on 127.0.0.1 with seeded demo data (Ctrl-C stops it); STACK_ARGS="--port
## accounts=5001 --data-dir /tmp/b" for a second stack
PACKAGES := router servicekit subgraphs bff bff_web bff_mobile devstack
dev: $(SYNCED) $(GRAPHIQL_STAMP) native
	@$(VENV)/bin/python -m compileall -q $(PACKAGES)
	$(VENV)/bin/stack up $(STACK_ARGS)

## test: the whole test suite (real Redis, PostgreSQL and processes on 127.0.0.1)
test: $(SYNCED) $(GRAPHIQL_STAMP) native
	$(VENV)/bin/python -m tests.node_references
	$(VENV)/bin/pytest -q $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "make test: FAILED: pytest collected no tests" >&2; fi; exit $$rc

## lint: ruff and mypy (strict on router/)
lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy router servicekit

## sdl: write each subgraph's SDL to schema/subgraphs/
sdl: $(SYNCED)
	$(VENV)/bin/subgraph export-sdl

## schema-compose: compose schema/supergraph.graphql from the subgraph SDLs
schema-compose: $(SYNCED)
	$(VENV)/bin/schema compose

## schema-check: the registry checks CI runs: the exported SDLs are what the subgraphs serve, then
## composition, breaking/dangerous/safe changes, persisted operations, the events' AsyncAPI document
schema-check: $(SYNCED)
	@$(VENV)/bin/subgraph export-sdl --check || { echo "schema-check: a subgraph serves another SDL than schema/subgraphs/ holds: run \`make sdl schema-compose\` and commit the files"; exit 1; }
	$(VENV)/bin/schema check --against $${SCHEMA_BASE:-HEAD~1}
	$(VENV)/bin/bff-manifest --check
	@$(VENV)/bin/events asyncapi --check || { echo "schema-check: schema/asyncapi.yaml is not what the event contracts generate: run \`.venv/bin/events asyncapi\` and commit it"; exit 1; }

## bench: every benchmark (see benchmarks/README.md); e.g. make bench BENCH_ARGS="--rounds 4 --duration 30"
bench: $(SYNCED) native
	$(VENV)/bin/bench all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .cache/native data
