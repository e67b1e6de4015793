# Two entry points: `make build` (main job) and `make test` (every test).
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
STAMP := $(VENV)/.installed

.PHONY: bench build test deps dbt-test lint pytest clean alerts report docs chromium export validate-focus focus-deps duckdb14-deps \
	spark-deps spark-build spark-equivalence portability

# One virtualenv per requirements file (the target's folder), made with
# Python 3.12; the stamp is rewritten when the requirements change.
define make_venv
	test -x $(@D)/bin/python || "$$(scripts/find_python312.sh)" -m venv $(@D)
	$(@D)/bin/pip install --quiet --upgrade pip
	$(@D)/bin/pip install --quiet -r $<
	touch $@
endef

$(STAMP): requirements.txt
	$(make_venv)

# focus-validator pins duckdb<2 and numpy<2: it gets its own venv.
FOCUS_VENV := .venv-focus
FOCUS_STAMP := $(FOCUS_VENV)/.installed

$(FOCUS_STAMP): requirements-focus.txt
	$(make_venv)

focus-deps: $(FOCUS_STAMP)

# DuckDB 1.4 LTS, the oldest client that must read exports/marts.duckdb (the
# engine BI drivers embed lags dbt's); test_bi_publish.py reads with it.
DUCKDB14_VENV := .venv-duckdb14
DUCKDB14_STAMP := $(DUCKDB14_VENV)/.installed

$(DUCKDB14_STAMP): requirements-duckdb14.txt
	$(make_venv)

duckdb14-deps: $(DUCKDB14_STAMP)

# Spark (dbt-spark, method: session, local pyspark; needs Java 17) is an
# optional extra with its own venv: the default install stays small.
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed

$(SPARK_STAMP): requirements-spark.txt
	$(make_venv)

spark-deps: $(SPARK_STAMP)

## The project on Spark in local mode (profile target spark) into
## warehouse/spark (Parquet tables); docs/spark.md. Unit tests are DuckDB fixtures.
spark-build: deps spark-deps
	$(SPARK_VENV)/bin/dbt build --target spark --target-path target/spark --exclude resource_type:unit_test

## DuckDB and Spark builds of the sample compared mart by mart (docs/spark.md;
## about 15 minutes on 2 cores, so not part of `make test`).
spark-equivalence: deps spark-deps
	$(BIN)/python scripts/spark_equivalence.py --duckdb-dbt $(DBT) --spark-dbt $(SPARK_VENV)/bin/dbt

## No engine-specific SQL in models/ and tests/ (also run by pytest).
portability: deps
	$(BIN)/python scripts/check_portability.py

profiles.yml: profiles.example.yml
	test -f profiles.yml || cp profiles.example.yml profiles.yml

# dbt packages pinned by package-lock.yml: `dbt deps`, or, where the dbt
# package hub cannot be reached, the same release from ../shared/packages.
PACKAGES_STAMP := dbt_packages/.installed

$(PACKAGES_STAMP): packages.yml package-lock.yml $(STAMP)
	$(BIN)/python scripts/install_dbt_packages.py --dbt $(DBT)
	touch $(PACKAGES_STAMP)

deps: $(STAMP) profiles.yml $(PACKAGES_STAMP)
	mkdir -p warehouse/tmp

## Main job: dbt build on var traces_path (default: the bundled sample) into
## warehouse/llm_spend_attribution.duckdb; at its end the build publishes the
## BI-facing set, exports/ (docs/bi.md).
build: deps
	$(DBT) build

## Re-publish the last build's marts as a new exports/ release (docs/bi.md).
export: deps
	$(BIN)/python scripts/export_marts.py

## focus-validator (FOCUS 1.2, and 1.3 offline with ../shared/reference/focus)
## on the build's FOCUS rows.
validate-focus: deps focus-deps
	$(BIN)/python scripts/validate_focus.py

## Every test: dbt build (seeds, models, unit and data tests) on the sample
## and sqlfluff lint side by side (the build mostly keeps one core busy, the
## lint is the longest step; its output follows the build's), then pytest on
## both cores (pytest-xdist; tests that share a module build run on one
## worker, tests/python/conftest.py). The build goes to a fresh folder of its
## own, which pytest copies as its sample build (LLM_SPEND_SAMPLE_BUILD)
## instead of building the sample once more per worker. The three
## virtualenvs install side by side (mostly downloads and unpacking).
CI_SAMPLE := warehouse/ci-sample
LINT_LOG := warehouse/lint.log
test:
	$(MAKE) --jobs=4 deps chromium focus-deps duckdb14-deps
	rm -rf $(CI_SAMPLE) && mkdir -p $(CI_SAMPLE)
	$(MAKE) lint > $(LINT_LOG) 2>&1 & lint=$$!; \
	DBT_DUCKDB_PATH=$(CI_SAMPLE)/sample.duckdb DBT_EXPORTS_PATH=$(CI_SAMPLE)/exports \
		$(DBT) build --target-path $(CI_SAMPLE)/target; built=$$?; \
	wait $$lint; linted=$$?; cat $(LINT_LOG); \
	test $$built -eq 0 || { echo "make test: the sample build failed"; exit 1; }; \
	test $$linted -eq 0 || { echo "make test: sqlfluff lint failed ($(LINT_LOG))"; exit 1; }
	LLM_SPEND_SAMPLE_BUILD=$(CI_SAMPLE) $(BIN)/pytest -q -n 2 --dist loadgroup tests/python

## Attribution alert digest of the last build (docs/alerts.md); exits 2 on an error alert.
alerts: deps
	$(BIN)/python scripts/attribution_alerts.py

## Chargeback report from the warehouse: reports/chargeback.html (self-contained).
report: deps
	$(BIN)/python scripts/render_report.py --output reports/chargeback.html

## Benchmark (BENCHMARKS.md): DuckDB floor, full build, nightly run, per-row
## baseline; SIZES in million spans (default 1,3,10); PAIRS more (floor,
## staging alone) pairs per size, alternated (default 0); NIGHT_PAIRS replays
## of the night on 7 and on 30 days of history per size, alternated (default 0).
SIZES ?= 1,3,10
PAIRS ?= 0
NIGHT_PAIRS ?= 0
bench: deps
	$(BIN)/python scripts/bench.py --sizes $(SIZES) --staging-pairs $(PAIRS) --night-pairs $(NIGHT_PAIRS)

## dbt docs (catalog and static site) into target/.
docs: deps
	$(DBT) docs generate --static

## Headless Chromium for the report test (Debian package), installed once.
chromium:
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)

## sqlfluff renders models with the dbt templater: the mapping seeds that models
## read while they compile (seeds/mappings) must be loaded first.
lint: deps
	$(DBT) seed --select path:seeds/mappings --quiet
	$(BIN)/sqlfluff lint --processes 0 models macros tests analyses

clean:
	rm -rf target logs warehouse dbt_packages
