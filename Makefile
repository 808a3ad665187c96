# The two commands a new user needs: `make test` and `make report`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
YEAR ?=
FROM ?=

.PHONY: install test lint format workbooks report collect drafts messages clean

install: $(STAMP)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The test modules run on every core (pytest-xdist), each module on one worker so that its
# fixtures are built once, the slowest first (tests/conftest.py); `.venv/bin/pytest
# tests/test_x.py` runs one module on its own.
# Bytecode is written (some systems set PYTHONDONTWRITEBYTECODE): without it each test worker
# compiles the project and rewrites every test module's asserts again, and each `equality run`
# the tests start compiles the project again.
test: export PYTHONDONTWRITEBYTECODE =
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

workbooks: install
	$(BIN)/equality workbook --all $(if $(YEAR),--year $(YEAR)) $(if $(FROM),--from $(FROM))

report: install
	$(BIN)/equality run --out output $(if $(YEAR),--year $(YEAR))

# make collect MAIL=path/to/messages YEAR=2025-26: save the workbooks attached to saved messages.
collect: install
	@test -n "$(MAIL)" || { echo "Say where the saved messages are: make collect MAIL=folder YEAR=2025-26"; exit 2; }
	@test -n "$(YEAR)" || { echo "Say which year: make collect MAIL=$(MAIL) YEAR=2025-26"; exit 2; }
	$(BIN)/equality collect $(MAIL) --into input/$(YEAR)

# make drafts YEAR=2025-26 [DEADLINE="30 June 2026"]: draft replies from the last run's outputs.
drafts: install
	@test -n "$(YEAR)" || { echo "Say which year: make drafts YEAR=2025-26"; exit 2; }
	$(BIN)/equality feedback-mail output/$(YEAR) $(if $(DEADLINE),--deadline "$(DEADLINE)")

# Re-extract the report's strings into pipeline/locale/messages.pot and update each catalogue;
# then translate the new Welsh entries in pipeline/locale/cy/LC_MESSAGES/report.po.
messages: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project=equality \
		--copyright-holder="APCC equality tool team" -o pipeline/locale/messages.pot .
	$(BIN)/pybabel update -i pipeline/locale/messages.pot -d pipeline/locale -D report \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
