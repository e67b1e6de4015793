# Two entry points: `make build` (main job) and `make test` (every test).
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
STAMP := $(VENV)/.installed

.PHONY: build test deps dbt-test lint pytest clean alerts report docs chromium

$(STAMP): requirements.txt
	test -x $(BIN)/python || "$$(scripts/find_python312.sh)" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

profiles.yml: profiles.example.yml
	test -f profiles.yml || cp profiles.example.yml profiles.yml

deps: $(STAMP) profiles.yml
	mkdir -p warehouse/tmp

## Main job: dbt build on var traces_path (default: the bundled sample) into
## warehouse/llm_spend_attribution.duckdb.
build: deps
	$(DBT) build

## Every test: dbt build (seeds, models, unit and data tests) on the sample,
## sqlfluff lint, pytest.
test: deps chromium
	$(DBT) build --target-path target/ci
	$(MAKE) lint
	$(BIN)/pytest -q tests/python

## Attribution alert digest of the last build (docs/alerts.md); exits 2 on an error alert.
alerts: deps
	$(BIN)/python scripts/attribution_alerts.py

## Chargeback report from the warehouse: reports/chargeback.html (self-contained).
report: deps
	$(BIN)/python scripts/render_report.py --output reports/chargeback.html

## dbt docs (catalog and static site) into target/.
docs: deps
	$(DBT) docs generate --static

## Headless Chromium for the report test (Debian package), installed once.
chromium:
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)

lint: deps
	$(BIN)/sqlfluff lint models macros tests analyses

clean:
	rm -rf target logs warehouse dbt_packages
