# Quick start: `make lab` (JupyterLab on the worked example) and `make test` (every test,
# notebooks included; what CI runs); `make check` is the quick subset (no tests marked slow,
# no notebooks: under 2 minutes). All create .venv and install the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg
MODEL ?= data/mental_health_strategy

.PHONY: install lab test check notebooks benchmark clean app report

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

install: $(STAMP)

# (--allow-root only when run as root, e.g. in a container, where Jupyter otherwise refuses)
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The what-if dashboard as a web page on http://127.0.0.1:8866/ (MODEL=folder to choose).
app: $(STAMP)
	$(BIN)/workbench app $(MODEL)

test: $(STAMP)
	HOME=$$(mktemp -d) $(BIN)/python -m pytest tests notebooks $(NBVAL) -q

# The quick check while working: every test but those marked slow (tests/conftest.py lists
# them), no notebooks.
check: $(STAMP)
	HOME=$$(mktemp -d) $(BIN)/python -m pytest tests -m "not slow" -q

# Re-execute the committed notebooks in place (after changing the library or the example).
notebooks: $(STAMP)
	for nb in notebooks/[0-9]*.ipynb; do \
	  HOME=$$(mktemp -d) $(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; \
	done

benchmark: $(STAMP)
	$(BIN)/python benchmarks/solve_times.py

# Run the numbered notebooks on MODEL and export them to offline HTML in reports/, with an
# executive summary in reports/index.html (SCENARIO=name, SEED=n, SAMPLES=draws to choose;
# SHOW_CODE=1 keeps the code). Needs nothing but the pip-installed project: no npm, no network.
report: $(STAMP)
	HOME=$$(mktemp -d) $(BIN)/workbench report $(MODEL) --out reports --seed $(or $(SEED),0) \
	  $(if $(SCENARIO),--scenario $(SCENARIO)) $(if $(SAMPLES),--samples $(SAMPLES)) \
	  $(if $(SHOW_CODE),--show-code)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
