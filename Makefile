# Two commands: `make demo` and `make test`. Each sets up .venv from pyproject.toml first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint bench schema demo-data clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)
	@sh scripts/system_packages.sh

demo: setup  ## run the demo pipeline on data/demo; results in out/demo/
	$(BIN)/greenmine run pipelines/demo.yaml --out out/demo
	@echo "demo results in out/demo/: open out/demo/index.html (maps, and every step's tables, layers and charts)"

test: setup  ## lint, type-check, structure (long functions, import layers), tests and notebooks
	$(BIN)/ruff check greenmine_geo tests benchmarks scripts
	$(BIN)/ruff format --check greenmine_geo tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python scripts/check_structure.py
	$(BIN)/pytest

bench: setup  ## speed and memory against each target (several minutes); fails if any misses
	@status=0; for b in prerequisite review greening restoration; do \
		$(BIN)/python benchmarks/$${b}_bench.py || status=1; done; exit $$status

schema: setup  ## regenerate the committed JSON schema of pipeline files
	$(BIN)/greenmine schema --out pipelines/pipeline.schema.json

demo-data: setup  ## regenerate the synthetic demo layers (fixed seed)
	$(BIN)/greenmine demo-data --out data/demo

clean:
	rm -rf out .pytest_cache .ruff_cache .mypy_cache
