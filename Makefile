# Demarche. `make site` and `make test` set everything up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# What building the site needs (requirements.txt), then the test tools on top (requirements-test.txt).
SITE_STAMP := $(VENV)/.site-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: site test check serve bench clean lint golden urls

$(SITE_STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps --no-build-isolation -e .
	touch $(SITE_STAMP)

$(TEST_STAMP): $(SITE_STAMP) requirements-test.txt
	$(PIP) -r requirements-test.txt
	touch $(TEST_STAMP)

site: $(SITE_STAMP) ## check, generate and build the site into site/
	$(BIN)/demarche check
	$(BIN)/demarche build

check: $(SITE_STAMP) ## validate sources/ only (what a contributor runs before a pull request)
	$(BIN)/demarche check

serve: $(SITE_STAMP) ## preview at http://127.0.0.1:8000, regenerating on changes
	$(BIN)/demarche serve

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check build tests bench
	$(BIN)/ruff check build tests bench
	$(BIN)/mypy

# On every core (pytest-xdist), a module at a time per worker so each module's fixtures are set up once.
test: lint ## format check, lint, type check and every test
	$(BIN)/pytest -n auto --dist loadscope; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$status

# golden and bench use the test helpers (tests/conftest.py imports pytest), so they need the test set.
golden: $(TEST_STAMP) ## refresh the golden sample's expected pages after an intended change
	$(BIN)/python -m tests.golden_refresh

urls: $(SITE_STAMP) ## add the URLs a content change published to the ledger urls.txt (it never drops one)
	$(BIN)/demarche urls --update

bench: $(TEST_STAMP) ## the archive-scale benchmark (see README); choose sizes with SIZES="100 1000"
	$(BIN)/python -m bench.run $(if $(SIZES),--sizes $(SIZES))

clean:
	rm -rf site site.*.partial .demarche .pytest_cache .mypy_cache .ruff_cache
	$(BIN)/python -c "from pathlib import Path; from demarche.write import write_pages; write_pages(Path('docs'), {})" 2>/dev/null || true
