# Quick start: `make demo` trains the notes' network and writes its plots;
# `make test` runs the whole test suite. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-output
# Tests and benchmarks find the MNIST files through FFNN_DATA when ../shared/data exists.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)),)
export FFNN_DATA ?= $(SHARED_DATA)
endif

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bench,playground]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/ffnn train --out $(DEMO_OUT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks

# comparison tables against plain NumPy, scikit-learn and PyTorch, the MNIST
# recipe epoch by epoch, the estimators against scikit-learn's MLP, and the
# playground server's live updates (benchmarks/README.md)
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/tiny.py
	$(BIN)/python benchmarks/mnist.py
	$(BIN)/python benchmarks/larger.py
	$(BIN)/python benchmarks/epochs.py
	$(BIN)/python benchmarks/estimator.py
	$(BIN)/python benchmarks/playground.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache test-artifacts
