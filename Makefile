# atmo_lab developer commands. Everything installs itself into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install demo test lint format clean

$(STAMP): pyproject.toml labextension/package.json labextension/yarn.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install atmo_lab with its test tools

demo: $(STAMP) ## JupyterLab with atmo_lab on a local AWS emulator (Ctrl-C stops it)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/atmo-lab demo

test: $(STAMP) ## the whole test suite (Python + labextension unit tests); starts PostgreSQL and Redis when it can
	eval "$$(bash .ci/services.sh --exports)" && PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest
	cd labextension && PATH="$(abspath $(BIN)):$$PATH" jlpm test

lint: $(STAMP) ## ruff, mypy, eslint/prettier/stylelint
	$(BIN)/ruff format --check atmo_lab tests
	$(BIN)/ruff check atmo_lab tests
	$(BIN)/mypy
	cd labextension && PATH="$(abspath $(BIN)):$$PATH" jlpm lint:check

format: $(STAMP)
	$(BIN)/ruff format atmo_lab tests
	$(BIN)/ruff check --fix atmo_lab tests
	cd labextension && PATH="$(abspath $(BIN)):$$PATH" jlpm lint

clean:
	rm -rf $(VENV) labextension/node_modules labextension/lib atmo_lab/labextension

.PHONY: bench bench-smoke

bench: $(STAMP) ## benchmarks at full size: prints one table, writes bench/RESULTS.md (never fails on a slow figure)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m bench

bench-smoke: $(STAMP) ## benchmarks at small sizes (CI, < 2 min): exits non-zero only when one crashes
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m bench --smoke

.PHONY: fuzz

fuzz: $(STAMP) ## schemathesis on a running server, every operation and check: 300 examples each, a random seed (ATMO_LAB_FUZZ_EXAMPLES, ATMO_LAB_FUZZ_SEED)
	ATMO_LAB_FUZZ_EXAMPLES=$${ATMO_LAB_FUZZ_EXAMPLES:-300} ATMO_LAB_FUZZ_SEED=$${ATMO_LAB_FUZZ_SEED:-random} \
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest tests/test_fuzz.py -s -p no:cacheprovider -o timeout=3600
