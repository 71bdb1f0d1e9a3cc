# medchat developer tasks. `make run` and `make test` set everything up on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUESTION ?= What are the warning signs of dehydration in adults?

.PHONY: setup run eval test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# A CPU build of torch first, so nothing later pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/medchat ask "$(QUESTION)"

eval: setup
	$(BIN)/medchat eval

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/local_generation.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
