# The course's two everyday commands (see README.md):
#   make demo   set up .venv if needed, then run the whole instructor cycle on the demo class
#   make test   set up .venv if needed, then run every test
PYTHON_FOR_VENV ?= python3.11
VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: demo test setup source release

demo: setup
	$(PYTHON) -m course.demo

test: setup
	$(PYTHON) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/installed

# the marker file is newer than requirements.txt once the pinned set is installed
$(VENV)/installed: requirements.txt
	command -v $(PYTHON_FOR_VENV) >/dev/null || { echo "need Python 3.11 ($(PYTHON_FOR_VENV)) to build .venv"; exit 1; }
	$(PYTHON_FOR_VENV) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# Authoring: rebuild the source notebooks from course/authoring/notebooks/, then the release.
source: setup
	$(PYTHON) -m course.authoring.build_source

release: setup
	for assignment in $$(ls source); do PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/nbgrader generate_assignment $$assignment --force || exit 1; done
