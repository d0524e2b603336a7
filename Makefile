# Two commands a fresh machine needs: `make drill` and `make test`. Both bootstrap .venv
# from requirements.lock (pinned) on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_VERSION := 25.3

.PHONY: drill test bench lint lock clean venv

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@echo "bootstrapping $(VENV) from requirements.lock (first run only)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "pip==$(PIP_VERSION)" "setuptools==80.9.0" "wheel==0.45.1"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	@$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

## the region-loss drill on the embedded backend: prints RTO/RPO and the report path
drill: $(STAMP)
	$(BIN)/drill run features/region_loss.feature

## the whole test suite, on two workers (a module's tests stay on one worker)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## benchmarks: drill wall time, probe cadence jitter, RTO error against ground truth,
## forecast draws per minute
bench: $(STAMP)
	$(BIN)/python bench/run.py

## ruff, cfn-lint, mypy (strict on drills/run, drills/measure, infra/core) and the layers
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint --config-file .cfnlintrc.yaml infra/templates/*.yaml
	$(BIN)/mypy drills infra reports steps
	$(BIN)/lint-imports

## re-pin the whole dependency tree from pyproject.toml and requirements-dev.txt
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q "pip==$(PIP_VERSION)" && .lockenv/bin/pip install -q . -r requirements-dev.txt
	.lockenv/bin/pip freeze --exclude streamflix-dr-drills > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
