# kamsim — the commands a user needs. `make demo` and `make test` work on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench lint docs regression-baseline clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

# The main job: the reservoir-versus-funnel comparison, report in results/. Run again, it keeps
# the earlier result and writes results/reservoir-vs-funnel-2 (kamsim prints where).
demo: $(STAMP)
	$(VENV)/bin/kamsim compare scenarios/reservoir.toml scenarios/funnel.toml --reps 20 \
	  --levers --robustness 32 --out results/reservoir-vs-funnel

# Test modules are spread over the cores (pytest-xdist; a module's tests stay on one worker).
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -n auto --dist loadscope

# Every benchmark at full size (about 15 minutes); tables as in docs/PERFORMANCE.md.
bench: $(STAMP)
	mkdir -p results
	KAMSIM_BENCH_FULL=1 $(PY) -m pytest tests/benchmarks --benchmark-enable --benchmark-only \
	  --benchmark-json=results/benchmarks.json -q -p no:cacheprovider
	$(PY) -m tests.benchmarks.report results/benchmarks.json | tee results/benchmarks.md

docs: $(STAMP)
	$(VENV)/bin/kamsim params --format markdown > docs/PARAMETERS.md

# After an intended change to what the model computes: save the figures the regression test
# compares against (tests/regression/baseline.json), and say why in the commit.
regression-baseline: $(STAMP)
	$(PY) -m tests.regression

lint: $(STAMP)
	$(VENV)/bin/ruff check sim analysis tests

clean:
	rm -rf results .pytest_cache .ruff_cache
