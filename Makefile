# make demo / make test / make bench: each creates .venv when it is missing and installs
# what it needs; a second run finds everything in place and only re-checks (seconds).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
# torch==2.13.0 is a CPU build served from local disk on these machines; any other torch
# requirement pulls a multi-GB CUDA build, so the pin lives in pyproject's extra.
EXTRAS := all

.PHONY: demo test test-slow bench clean install

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --upgrade pip setuptools
	$(PIP) install -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q tests

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow tests

demo: $(STAMP)
	$(PY) examples/demo.py

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) reports/*.png reports/*.md bench/results
