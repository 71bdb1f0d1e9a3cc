# medchat developer tasks. `make run` and `make test` set everything up on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUESTION ?= What are the warning signs of dehydration in adults?
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

.PHONY: setup run eval test lint bench web clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# A CPU build of torch first, so nothing later pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# llama.cpp built for any x86-64 with AVX2, not -march=native: a native build on a VM whose CPU reports
	# AVX-512 and AMX crashed in its first decode (segmentation fault); the AVX2 build runs everywhere here.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet -e ".[all,dev]"
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

# The page `medchat serve` shows at / is built from web/src into src/medchat/server/web (committed: the package
# never needs Node). Run after editing web/src; tests/server/test_web.py fails while the build is stale.
web:
	cd web && npm ci && npm run build

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
