# Set-up contract: `make audit` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: audit test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the package metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## audit: install, run the national audit on the bundled DfE 2025 data, write the HTML report
audit: $(VENV)/.installed
	$(BIN)/copro audit
	$(BIN)/copro report --all-las --out $(OUT)/report

## test: install what the tests need, lint, and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

## bench: time `copro audit` end to end and the statistics alone
bench: $(VENV)/.installed
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/bench_sen2.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
