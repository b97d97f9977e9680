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

.PHONY: demo test lint bench docs docs-serve clean

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

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/ffnn train --out $(DEMO_OUT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks tools

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

# the documentation site into site/, warnings as errors; the tutorials' code
# runs during the build, so a tutorial that raises fails it
# (the two variables silence the banners mkdocs-material and a plugin print
# about MkDocs 2; they are not warnings of this site)
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict

docs-serve: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache test-artifacts site
