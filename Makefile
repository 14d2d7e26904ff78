# evepub: `make all` publishes the roadmap into build/, `make test` runs every test.
# Both create the virtual environment .venv on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EVEPUB := $(VENV)/bin/evepub
SOURCE := source/roadmap.yaml
OUTDIR := build

# Every date in the outputs derives from SOURCE_DATE_EPOCH: by default the time of the
# last commit that changed the source, so that a rebuild gives the same bytes.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct -- source 2>/dev/null)
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif

CODE := $(shell find evepub -name '*.py' 2>/dev/null)
TEMPLATES := $(shell find templates -type f 2>/dev/null)
PUBLISHED := $(OUTDIR)/.published  # stamp of the last build: the formats and their files are evepub's to know

.PHONY: all publish check test lint golden reference-docx bench bench-quick clean distclean

all: $(OUTDIR)/.verified

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# One build writes every format's files (evepub/formats/__init__.py lists them) at once.
$(PUBLISHED): $(SOURCE) $(TEMPLATES) $(CODE) $(VENV)/.installed
	$(EVEPUB) build $(SOURCE) -o $(OUTDIR)
	touch $@

# The release engineer's gate: build, then read every output back (the build's own processes do it, as
# `evepub verify` would): every output says what the source says. The source moves on from the original
# text as program managers sync; that the import of the original is faithful is proven by make test.
$(OUTDIR)/.verified: $(SOURCE) $(TEMPLATES) $(CODE) $(VENV)/.installed
	$(EVEPUB) build --verify $(SOURCE) -o $(OUTDIR)
	touch $(PUBLISHED) $@

publish: $(PUBLISHED)

check: $(VENV)/.installed
	$(EVEPUB) validate $(SOURCE)

lint: $(VENV)/.installed
	$(PY) -m ruff check evepub tests bench

test: $(VENV)/.installed lint
	$(PY) -m pytest -q

# only the tests marked golden (tests/conftest.py check_golden): they rewrite tests/golden/, then compare with it
golden: $(VENV)/.installed
	EVEPUB_REGEN_GOLDEN=1 $(PY) -m pytest -q -m golden

# templates/reference.docx is generated; edit it in Word or regenerate it after changing the generator
reference-docx: $(VENV)/.installed
	$(PY) -m evepub.formats.docx.reference

bench: $(VENV)/.installed
	$(PY) bench/run.py

bench-quick: $(VENV)/.installed
	$(PY) bench/run.py --quick

clean:
	rm -rf $(OUTDIR)

distclean: clean
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
