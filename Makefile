# distconnect developer commands. Everything runs from a virtualenv in .venv that these targets
# create and keep up to date; Kafka's jars come from Maven Central into ~/.m2 on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STATE  := .distconnect
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: all venv lint typecheck test unit system-test demo bench clean k8s-validate k8s-base

all: test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "distconnect needs Python 3.11+; run with PYTHON=/path/to/python3.11"; exit 1; }
	@command -v java >/dev/null || { echo "distconnect needs a Java 17+ JDK (apt-get install openjdk-17-jdk-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "distconnect needs Maven (apt-get install maven)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check distconnect tests bench system_tests
	$(BIN)/ruff format --check distconnect tests bench system_tests

typecheck: venv
	$(BIN)/mypy

## The whole suite: lint, types, unit tests and the integration tests on a real local Kafka.
test: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Pure-logic tests only (no broker, no JVM).
unit: venv
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

## Helm chart and kustomize manifests: lint, render for 2 Kubernetes versions, validate strictly.
## The first run builds helm and kustomize from the Go module proxy into .tools/bin (minutes).
k8s-validate: venv
	$(BIN)/python -m tests.k8s.validate

## Regenerate k8s/base from the chart's default rendering after changing the chart.
k8s-base: venv
	$(BIN)/python -m tests.k8s.validate --write-base

## Every system test (system_tests/): bounces, joins, broker restart, partition, operations.
## `make test` runs only the CI subset (the rolling bounces).
system-test: venv
	DISTCONNECT_SYSTEM_TESTS=all $(BIN)/python -m pytest system_tests -s $(PYTEST_ARGS)

## Start a local Kafka (left running), a 3-worker cluster and a pipeline; kill a worker, watch its work move.
demo: venv
	$(BIN)/python -m distconnect.demo --dir $(STATE)

## Benchmarks (print markdown tables; results saved under bench/results/).
bench: venv
	$(BIN)/python bench/bench_converters.py
	$(BIN)/python bench/bench_standalone.py
	$(BIN)/python bench/bench_failover.py
	$(BIN)/python bench/bench_vs_apache.py

## Stop everything `make demo` started and remove its state.
clean:
	-test -x $(BIN)/distconnect && $(BIN)/distconnect local kafka stop --dir $(STATE)/kafka
	rm -rf $(STATE) .pytest_cache .mypy_cache .ruff_cache .hypothesis
