# One command to set up and start the app (`make run`), one to run every test (`make test`).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# make run RAY=auto (or HOST:6379, ray://HOST:10001): jobs train on that Ray cluster (README, "Serving a bigger class")
RAY ?=

.PHONY: run test test-fast lint screenshots bench chromium

$(VENV)/.runtime: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.ray: requirements-ray.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-ray.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements-ray.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime $(if $(RAY),$(VENV)/.ray)
	@$(PY) -m cnnlab teacher-link --port $(PORT)
	$(if $(RAY),CNNLAB_RAY_ADDRESS=$(RAY) )$(PY) -m streamlit run serve.py --server.port $(PORT) --server.headless true

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

# ruff, then the import contracts of pyproject.toml (the layers: ui | cli → insight → engine → bridge → core).
lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

# Everything: lint, unit, page, training, Ray and browser tests, on two processes (a test file stays on one).
# Leaves the work tree as it found it.
test: $(VENV)/.dev chromium lint
	$(PY) -m pytest -n 2 --dist loadfile

# For development: no browser, no TensorFlow training.
test-fast: $(VENV)/.dev lint
	CNNLAB_FUZZ_SCALE=0.1 $(PY) -m pytest -m "not browser and not keras" -q -n 2

# The README's pictures: the browser tests, saving their screenshots into docs/screenshots.
screenshots: $(VENV)/.dev chromium
	CNNLAB_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/browser -q

bench: $(VENV)/.runtime
	$(PY) bench/train_throughput.py
	$(PY) bench/seed_accuracy.py
