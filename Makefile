# Demarche. `make site` and `make test` set everything up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test check serve bench clean lint golden urls

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

site: $(STAMP) ## check, generate and build the site into site/
	$(BIN)/demarche check
	$(BIN)/demarche build

check: $(STAMP) ## validate sources/ only (what a contributor runs before a pull request)
	$(BIN)/demarche check

serve: $(STAMP) ## preview at http://127.0.0.1:8000, regenerating on changes
	$(BIN)/demarche serve

lint: $(STAMP)
	$(BIN)/ruff format --check build tests bench
	$(BIN)/ruff check build tests bench
	$(BIN)/mypy

test: lint ## format check, lint, type check and every test
	$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$status

golden: $(STAMP) ## refresh the golden sample's expected pages after an intended change
	$(BIN)/python -m tests.golden_refresh

urls: $(STAMP) ## add the URLs a content change published to the ledger urls.txt (it never drops one)
	$(BIN)/demarche urls --update

bench: $(STAMP) ## the archive-scale benchmark (see README); choose sizes with SIZES="100 1000"
	$(BIN)/python -m bench.run $(if $(SIZES),--sizes $(SIZES))

clean:
	rm -rf site site.new site.old .pytest_cache .mypy_cache .ruff_cache
	$(BIN)/python -c "from pathlib import Path; from demarche.write import write_pages; write_pages(Path('docs'), {})" 2>/dev/null || true
