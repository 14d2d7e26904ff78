# evepub: `make all` publishes the roadmap into build/, `make test` runs every test.
# Both create the virtual environment .venv on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EVEPUB := $(VENV)/bin/evepub
SOURCE := source/roadmap.yaml
ORIGINAL := source/eve-roadmap.txt
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

$(OUTDIR)/.verified: $(PUBLISHED) $(ORIGINAL)
	$(EVEPUB) verify $(SOURCE) -o $(OUTDIR) --original $(ORIGINAL)
	touch $@

publish: $(PUBLISHED)

check: $(VENV)/.installed
	$(EVEPUB) validate $(SOURCE)

lint: $(VENV)/.installed
	$(PY) -m ruff check evepub tests bench

test: $(VENV)/.installed lint
	$(PY) -m pytest -q

golden: $(VENV)/.installed
	EVEPUB_REGEN_GOLDEN=1 $(PY) -m pytest -q

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
