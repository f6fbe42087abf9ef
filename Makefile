# The course's commands. Each target creates the virtual environment it needs.
#   make lab     open the course (JupyterLab on notebooks/); LAB_ARGS="--no-browser --ip=0.0.0.0" for a remote machine
#   make test    lint, unit tests, nbval over every notebook (with its peak memory), browser test
#   make browser-test  every notebook run in JupyterLab in headless Chromium, widgets moved, page read
#   make run     execute every notebook in place, top to bottom
#   make slides  export each notebook's core path as a reveal.js deck to slides/ (offline)
#   make student write notebooks/student/: the notebooks without exercise solutions or outputs
#   make serve   the live prediction service with the demo victims (SERVE_ARGS="--host 0.0.0.0 --port 8000")
#   make bench   print the "ours vs paper" benchmark tables
#   make results regenerate the per-seed results the notebooks load (several hours, one CPU thread)
#   make weights retrain the shipped watermark suite of notebook 04 (~15 min, one CPU thread)
#   make zoo     retrain the shipped CIFAR-10 zoo of notebook 06 and its limitation models (~2 h, one CPU thread)

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
# OpenBLAS picks its kernels by CPU: AVX-512 machines (SkylakeX kernels) round the last bits
# of the course's least-squares fits differently from AVX2 ones, enough to move a fourth
# decimal the notebooks check. One kernel set everywhere keeps the committed outputs
# reproducible on any x86-64 machine with AVX2 (the variable is ignored elsewhere).
export OPENBLAS_CORETYPE ?= Haswell
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
BENCHES   := $(sort $(wildcard benchmarks/*.py))
# Extra JupyterLab options, e.g. LAB_ARGS="--no-browser --port=8888 --ip=0.0.0.0" (headless or remote).
LAB_ARGS  ?=
# JupyterLab refuses to run as root (containers) without --allow-root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: lab test lint unit nbval browser-test browser-deps trust run student slides serve bench results weights zoo clean

$(BIN)/.installed: pyproject.toml binder/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install "$(TORCH)"
	$(BIN)/python -m pip install -e ".[dev,browser]"
	mkdir -p $(dir $(LAB_SETTINGS))
	cp binder/overrides.json $(LAB_SETTINGS)  # no "get news?" pop-up over the course
	touch $@

lab: trust
	$(BIN)/jupyter lab $(ROOT_ARGS) $(LAB_ARGS) notebooks/

# Sign the shipped notebooks for this user, so that their stored widgets render
# before anything runs (JupyterLab renders widgets only in trusted notebooks).
trust: $(BIN)/.installed
	@$(BIN)/jupyter trust $(NOTEBOOKS) >/dev/null

test: lint unit nbval browser-test

lint: $(BIN)/.installed
	$(BIN)/ruff check .

unit: $(BIN)/.installed
	$(BIN)/pytest tests -q

nbval: $(BIN)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider -p tests.nbval_memory --nbval-lax \
		--nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg $(NOTEBOOKS)

browser-test: $(BIN)/.installed browser-deps
	$(BIN)/pytest -q -p no:cacheprovider -m browser tests/browser

# The browser test drives Debian's Chromium: install it where we may (root or sudo).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "browser-deps: cannot install Chromium without root or sudo;" \
	    "the browser tests will be skipped"; exit 0; fi; \
	  $$SUDO apt-get install -y --no-install-recommends chromium \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; } \
	  || echo "browser-deps: apt-get could not install chromium; the browser tests will be skipped"; }

run: $(BIN)/.installed
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=900 $(NOTEBOOKS)

# Student copies: solutions removed, outputs cleared (tests/test_student_copies.py checks they are current).
STUDENT_DIR ?= notebooks/student
student: $(BIN)/.installed
	$(BIN)/jupyter nbconvert --config scripts/nbconvert_student.py --to notebook \
		--output-dir $(STUDENT_DIR) --log-level=WARN $(NOTEBOOKS)

# Front-end files for the offline decks (package.json, locked by package-lock.json).
ASSETS := node_modules/.package-lock.json
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

SLIDES_DIR ?= slides
slides: $(BIN)/.installed $(ASSETS)
	rm -rf $(SLIDES_DIR) && mkdir -p $(SLIDES_DIR)/_static/mathjax
	cp -r node_modules/reveal.js $(SLIDES_DIR)/_static/reveal.js
	cp node_modules/requirejs/require.js node_modules/jquery/dist/jquery.min.js \
		node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js $(SLIDES_DIR)/_static/
	cd node_modules/mathjax && cp -r MathJax.js config extensions jax localization \
		$(abspath $(SLIDES_DIR))/_static/mathjax/ \
		&& mkdir -p $(abspath $(SLIDES_DIR))/_static/mathjax/fonts/HTML-CSS/TeX \
		&& cp -r fonts/HTML-CSS/TeX/woff $(abspath $(SLIDES_DIR))/_static/mathjax/fonts/HTML-CSS/TeX/
	$(BIN)/jupyter nbconvert --config scripts/nbconvert_slides.py --to slides \
		--output-dir $(SLIDES_DIR) --log-level=WARN $(NOTEBOOKS)

# The live prediction service (notebook 08): accounts in $(SERVE_DB), extra flags in SERVE_ARGS.
SERVE_DB   ?= stealkit-service.db
SERVE_ARGS ?=
serve: $(BIN)/.installed
	$(BIN)/stealkit serve --demo --db $(SERVE_DB) $(SERVE_ARGS)

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
	$(BIN)/python benchmarks/defences.py
	$(BIN)/python benchmarks/neural_networks.py

weights: $(BIN)/.installed
	$(BIN)/python scripts/train_watermarks.py

zoo: $(BIN)/.installed
	$(BIN)/python scripts/train_zoo.py --small --threads 1
	$(BIN)/python scripts/train_zoo.py --small --threads 1 --replicate 1000
	$(BIN)/python benchmarks/dataset_inference_limits.py --build --threads 1

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
