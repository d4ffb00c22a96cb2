# Set-up and everyday commands. `make demo` and `make test` each create the virtual environment
# and fetch the data they need on a fresh machine, so they are the only two commands to remember.

VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
KERAS_FASHION_MNIST := $(HOME)/.keras/datasets/fashion-mnist/train-images-idx3-ubyte.gz

# The VGG19 ImageNet weights beside the project (see README, "Weights offline"), if present.
SHARED_VGG19 := $(abspath ../shared/models/vgg19_notop_imagenet_q8.h5)
ifneq ($(wildcard $(SHARED_VGG19)),)
export NST_VGG19_WEIGHTS ?= $(SHARED_VGG19)
endif

.PHONY: demo test test-fast lessons setup data browser clean-venv

demo: setup data
	$(PY) -m compare.report

# Test processes (pytest-xdist). Two on a 2-core machine: much of the suite is single-threaded
# (process start-up, imports, graph tracing, small ops), so a second process fills the other core
# (measured on 2 cores: the tests not marked slow 173 s against 315 s in one process, one run after
# the other; the whole suite 11.2 minutes in clean-clone CI; README "Tests and benchmarks").
# `worksteal` moves waiting tests to whichever process is free, so the long end-to-end tests do
# not pile up at the end of one queue.
TEST_WORKERS ?= 2
PYTEST_WORKERS := -n $(TEST_WORKERS) --dist worksteal

# The full suite, the README's test command (the 15 slowest tests listed at the end).
test: setup data browser
	$(PY) -m pytest -q $(PYTEST_WORKERS) --durations=15

# The edit-test loop: everything but the tests marked slow (end-to-end runs, kills and resumes).
test-fast: setup data
	$(PY) -m pytest -q $(PYTEST_WORKERS) -m "not slow" --durations=10

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# setuptools reminds every editable install that top-level folders shadow the package: here that is the point.
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -e '.[test]'
	@# So that `. $(VENV)/bin/activate` finds the offline VGG19 weights as `make demo` does.
	@if [ -n "$(NST_VGG19_WEIGHTS)" ] && ! grep -q NST_VGG19_WEIGHTS $(VENV)/bin/activate; then \
	  echo 'export NST_VGG19_WEIGHTS="$${NST_VGG19_WEIGHTS:-$(NST_VGG19_WEIGHTS)}"' >> $(VENV)/bin/activate; \
	fi
	touch $@

# The three lessons in full mode (QUICK = False), executed in order into runs/lessons/ (their run
# directories too), each as an executed notebook and an HTML page to hand out. Lesson 3 reuses the
# GAN run lesson 1 made. Times on 2 CPU cores: see README, "Lessons".
LESSONS := 1_gan 2_style_transfer 3_comparison
LESSONS_OUT := runs/lessons

lessons: setup data
	mkdir -p $(LESSONS_OUT)
	@for name in $(LESSONS); do \
	  echo "lessons: executing notebooks/$$name.ipynb"; \
	  $(PY) -m papermill notebooks/$$name.ipynb $(LESSONS_OUT)/$$name.ipynb --cwd . -p RUNS_ROOT $(LESSONS_OUT) || exit 1; \
	  $(PY) -m nbconvert --to html $(LESSONS_OUT)/$$name.ipynb || exit 1; \
	done

# Fashion-MNIST from Debian's package when neither it nor Keras's cache is there (needs root).
data:
	@if [ ! -f $(FASHION_MNIST) ] && [ ! -f $(KERAS_FASHION_MNIST) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist; \
	  else \
	    echo "Fashion-MNIST not found; install it with: sudo apt-get install dataset-fashion-mnist" >&2; \
	  fi; \
	fi

# Debian's Chromium, which the report test opens the HTML report in (skipped without it; needs root).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else \
	    echo "chromium not found; the report's browser test will be skipped (sudo apt-get install chromium)" >&2; \
	  fi; \
	fi

clean-venv:
	rm -rf $(VENV)
