# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and reinstall when pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint format messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/alliancebot demo

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format bot tests bench
	$(BIN)/ruff check --fix bot tests bench

# Extract texts from code and templates and merge them into the catalogs.
messages: install
	$(BIN)/pybabel extract -F messages/babel.cfg -k _ -k gettext -k ngettext:1,2 \
		--no-location --omit-header -o messages/messages.pot .
	$(BIN)/pybabel update -i messages/messages.pot -d messages/locale -D messages \
		--no-location --width 100

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
