# Set-up contract: `make audit` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
NPM ?= npm
HOST ?= 127.0.0.1
PORT ?= 8000
# The website's stylesheet: GOV.UK Frontend (npm, pinned by package-lock.json) compiled with Sass.
CSS := src/copro/web/static/copro/copro.css

.PHONY: audit test test-oldest-lxml serve assets docs outputs-doc bench lint clean chromium postgresql

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

$(VENV)/.installed-docs: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

## audit: install, run the national audit on the bundled DfE 2025 data, write the HTML report
audit: $(VENV)/.installed
	$(BIN)/copro audit
	$(BIN)/copro report --all-las --out $(OUT)/report

# install_or_stop(found, package, Name, what for): nothing when the shell test `found`
# succeeds; else, as root with apt-get, install Debian's `package` (never a downloaded build);
# else stop and say how.
define install_or_stop
@if $(1); then \
  :; \
elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
  echo "make: installing Debian's $(2) for $(4)"; \
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(2) \
    >/dev/null; \
else \
  echo "make test needs $(3) for $(4):" \
       "install it (Debian/Ubuntu: sudo apt-get install $(2)) and run make test again" >&2; \
  exit 1; \
fi
endef

## chromium: the page tests (the report's and the website's) need a real Chromium: Debian's
## chromium-headless-shell, Chromium built for headless use (tests/browser.py says why not the
## desktop build). Installed with apt-get when running as root; otherwise stop and say how.
CHROMIUM_FOUND := command -v chromium-headless-shell >/dev/null 2>&1
chromium:
	$(call install_or_stop,$(CHROMIUM_FOUND),chromium-headless-shell,Chromium's headless shell,the page tests)

## postgresql: the website's tests run on a real PostgreSQL (Debian's package; a throwaway
## cluster per test session, tests/web/pg.py). Installed with apt-get when running as root;
## otherwise stop and say how. POSTGRES_ROOT: where Debian puts its versions.
POSTGRES_ROOT ?= /usr/lib/postgresql
POSTGRESQL_FOUND = set -- $(POSTGRES_ROOT)/*/bin/initdb; [ -x "$$1" ]
postgresql:
	$(call install_or_stop,$(POSTGRESQL_FOUND),postgresql,PostgreSQL,the website's tests)

## test: install what the tests need (Python packages; Chromium and PostgreSQL, see above),
## lint, run the suite on TEST_WORKERS processes (pytest-xdist; a module's tests stay on one
## worker but for a few spread test by test, tests/conftest.py; three on the 2-core machine:
## the suite keeps both cores busy with three, and four only added contention, measured in
## docs/testing.md); then the XML readers' tests again on the oldest lxml pyproject.toml allows
TEST_WORKERS ?= 3
PARALLEL := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
test: $(VENV)/.installed-test assets docs chromium postgresql
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest $(PARALLEL)
	$(MAKE) --no-print-directory test-oldest-lxml

## test-oldest-lxml: the XML readers' tests on the lowest lxml pyproject.toml allows (installed
## into a folder put first on PYTHONPATH; the venv keeps the newest the pins allow)
LXML_OLDEST := 5.0.0
# (of the hostile corpus, only the SEN2 XML and XLSX cases)
XML_TESTS := tests/test_xml_prolog.py tests/test_sen2.py tests/test_sen2_returns.py \
	tests/test_hostile.py
$(VENV)/lxml-$(LXML_OLDEST)/.installed: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-deps --target $(VENV)/lxml-$(LXML_OLDEST) \
	  "lxml==$(LXML_OLDEST)"
	touch $@

test-oldest-lxml: $(VENV)/.installed-test $(VENV)/lxml-$(LXML_OLDEST)/.installed
	PYTHONPATH=$(VENV)/lxml-$(LXML_OLDEST) COPRO_EXPECT_LXML=$(LXML_OLDEST) \
	  $(BIN)/python -m pytest -p no:cacheprovider -q -n 2 $(XML_TESTS) \
	  -k "not test_hostile or sen2 or xlsx"

## serve: install, build the assets, and run the website on http://127.0.0.1:8000/ (SQLite in
## the data folder, created, migrated and loaded with the bundled data on first start)
serve: $(VENV)/.installed assets docs
	$(BIN)/copro serve --host $(HOST) --port $(PORT)

## assets: the website's CSS from GOV.UK Frontend's Sass (set-up time only, never at run time)
assets: $(CSS)

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(CSS): node_modules/.package-lock.json src/copro/web/assets/copro.scss
	$(NPM) run --silent build

## docs: the documentation site (MkDocs, mkdocs.yml: docs/*.md in docs_theme/) built into
## src/copro/web/docs_site/, which `copro serve` serves at /docs/; warnings are errors (strict),
## so a broken link, a missing anchor or a page left out of the nav stops the build
docs: $(VENV)/.installed-docs src/copro/data/outputs.md
	$(BIN)/mkdocs build --quiet --strict --clean

## outputs-doc: the data dictionary's copy of docs/outputs.md, installed with copro (package
## data) so that /data/dictionary works from an installed copro; tests fail when they differ
outputs-doc: src/copro/data/outputs.md
src/copro/data/outputs.md: docs/outputs.md
	cp docs/outputs.md $@

## bench: time `copro audit` end to end and the statistics alone; SEN2 reading; the website
## under 50 concurrent clients on SQLite and PostgreSQL (wrk, Debian's, installed if missing);
## what the tests' shortcuts save (a copied first start of the website, copro in the test process)
bench: $(VENV)/.installed assets
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/bench_sen2.py
	@command -v wrk >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_survey.py
	$(BIN)/python bench/bench_tests.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache node_modules $(CSS) src/copro/web/docs_site
