# The course's commands. Each target creates the virtual environment it needs.
#   make lab     open the course (JupyterLab on notebooks/); LAB_ARGS="--no-browser --ip=0.0.0.0" for a remote machine
#   make test    lint, unit tests and nbval over every notebook
#   make run     execute every notebook in place, top to bottom
#   make bench   print the "ours vs paper" benchmark tables
#   make results regenerate the per-seed results the notebooks load (several hours, one CPU thread)
#   make weights retrain the shipped watermark suite of notebook 04 (~15 min, one CPU thread)
#   make zoo     retrain the shipped CIFAR-10 zoo of notebook 06 (~1.5 h, one CPU thread)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned for the install so pip never picks a multi-GB CUDA build by accident.
TORCH  ?= torch==2.13.0
# Offline copies of the data sets (read only); unset, loaders download and cache.
ifeq ($(origin STEALKIT_DATA), undefined)
  ifneq ($(wildcard ../shared/data),)
    export STEALKIT_DATA := $(abspath ../shared/data)
  endif
endif
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
BENCHES   := $(sort $(wildcard benchmarks/*.py))
# Extra JupyterLab options, e.g. LAB_ARGS="--no-browser --port=8888 --ip=0.0.0.0" (headless or remote).
LAB_ARGS  ?=
# JupyterLab refuses to run as root (containers) without --allow-root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: lab test lint unit nbval run bench results weights zoo clean

$(BIN)/.installed: pyproject.toml binder/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install "$(TORCH)"
	$(BIN)/python -m pip install -e ".[dev]"
	mkdir -p $(dir $(LAB_SETTINGS))
	cp binder/overrides.json $(LAB_SETTINGS)  # no "get news?" pop-up over the course
	touch $@

lab: $(BIN)/.installed
	$(BIN)/jupyter lab $(ROOT_ARGS) $(LAB_ARGS) notebooks/

test: lint unit nbval

lint: $(BIN)/.installed
	$(BIN)/ruff check .

unit: $(BIN)/.installed
	$(BIN)/pytest tests -q

nbval: $(BIN)/.installed
	$(BIN)/pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env \
		--nbval-sanitize-with notebooks/sanitize.cfg $(NOTEBOOKS)

run: $(BIN)/.installed
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=900 $(NOTEBOOKS)

bench: $(BIN)/.installed
	@for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

results: $(BIN)/.installed
	$(BIN)/python benchmarks/table4.py --seeds 20 --mlp-seeds 10 --json notebooks/results/table4.json
	$(BIN)/python benchmarks/table6.py --seeds 20 --json notebooks/results/table6_seeds.json
	$(BIN)/python benchmarks/table7.py --seeds 20 --json notebooks/results/table7_seeds.json
	$(BIN)/python benchmarks/figure7.py --seeds 20 --json notebooks/results/figure7_seeds.json
	$(BIN)/python benchmarks/label_only.py
	$(BIN)/python benchmarks/label_only.py --headline
	$(BIN)/python benchmarks/ewe.py --seeds 0 1 2 3 4 --copies 1 --no-ablation \
		--json notebooks/results/ewe_seeds.json

weights: $(BIN)/.installed
	$(BIN)/python scripts/train_watermarks.py

zoo: $(BIN)/.installed
	$(BIN)/python scripts/train_zoo.py --small --threads 1
	$(BIN)/python scripts/train_zoo.py --small --threads 1 --replicate 1000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
