# The two commands of the README: `make run` (main job) and `make test` (test suite).
# Both set up everything they need on a fresh machine: a virtual environment in .venv with carps
# and its extras installed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.carps-installed
# the small default benchmark of `make run`
EXPERIMENT ?= default
DEFAULT_RUN ?= optimizer=random,optuna/tpe,smac task='blackbox/bbob/f*_d2_i1' seed=1,2 n_trials=30 n_jobs=2

# every family's default per task type on each type's shipped dev subset (docs/baselines.md)
BASELINE_FAMILIES ?= random,optuna,smac,bo,dehb,nevergrad,synetune,skopt,hyperopt,ax,pymoo
BASELINE_TASKS ?= subset/blackbox/k10_dev,subset/multifidelity/k10_dev,subset/multiobjective/k10_dev,subset/momf/k10_dev
N_JOBS ?= 2
# the three-seed performance matrix of a type's subset pool, the first five optimizers place the tasks (docs/subsets.md)
SUBSET_TYPE ?= multiobjective
SUBSET_OPTIMIZERS_blackbox ?= random,optuna/tpe,nevergrad/cma,nevergrad/de,optuna/cmaes,optuna/qmc,hyperopt/tpe,pymoo/ga,nevergrad/ngopt
SUBSET_OPTIMIZERS_multifidelity ?= random,dehb,optuna/hyperband,synetune/asha,synetune/hyperband,optuna/qmc_full_fidelity,optuna/tpe_full_fidelity,optuna/nsga2_full_fidelity
SUBSET_OPTIMIZERS_multiobjective ?= random,optuna/nsga2,pymoo/smsemoa,pymoo/moead,synetune/mo_rea,optuna/nsga3,optuna/qmc,pymoo/nsga2
SUBSET_OPTIMIZERS_momf ?= random,optuna/nsga2_full_fidelity,optuna/qmc_full_fidelity,pymoo/smsemoa,pymoo/moead,optuna/nsga3_full_fidelity,pymoo/nsga2
# extra carps run arguments of a type's matrix (blackbox tasks run 50 trials, not their own budgets)
SUBSET_ARGS_blackbox ?= n_trials=50

.PHONY: run test bench baselines subset-matrix install browser clean docs wheelhouse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv installs in about a minute what pip takes about four for; it is handed pip's package sources,
	# and compiles bytecode as pip does (with PYTHONDONTWRITEBYTECODE set, every process would recompile)
	$(BIN)/python -m pip install -q uv
	# the CPU build of torch pinned, so no extra pulls a multi-GB CUDA build
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python $$($(BIN)/python tools/pip_indexes.py) "torch==2.13.0" -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

# headless Chromium for the HTML report's browser test (Debian package; needs root)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "chromium is missing and this is not root: the browser test will be skipped"; fi; }

run: $(STAMP)
	$(BIN)/carps run $(DEFAULT_RUN) experiment=$(EXPERIMENT)
	$(BIN)/carps report experiment=$(EXPERIMENT)

# one test worker more than cores: the Slurm, Ray and CLI tests spend part of their time waiting on
# other processes (on 2 cores, 3 workers ran the whole suite about 80 s faster than 2)
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")

test: $(STAMP) browser
	@$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

# like the test configuration, the benches point CARPS_YAHPO_DATA at ../shared when it is there and unset
bench: $(STAMP)
	@if [ -z "$$CARPS_YAHPO_DATA" ] && [ -d ../shared/data/yahpo ]; then export CARPS_YAHPO_DATA="$$(cd ../shared/data/yahpo && pwd)"; fi; \
	for script in tests/perf/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# one thread per run: the process pool parallelizes runs, BLAS threads on top would oversubscribe the cores
subset-matrix: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/carps run optimizer=$(SUBSET_OPTIMIZERS_$(SUBSET_TYPE)) task=subset/$(SUBSET_TYPE)/pool $(SUBSET_ARGS_$(SUBSET_TYPE)) seed=1,2,3 experiment=subsets_$(SUBSET_TYPE) n_jobs=$(N_JOBS)
	$(BIN)/carps subsets recompute experiment=subsets_$(SUBSET_TYPE) task_type=$(SUBSET_TYPE) reference=$$(echo $(SUBSET_OPTIMIZERS_$(SUBSET_TYPE)) | cut -d, -f1-5) k=10,20,30 transform=log measure=empirical

baselines: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/carps run optimizer=$(BASELINE_FAMILIES) task=$(BASELINE_TASKS) seed=1,2,3 experiment=baselines n_jobs=$(N_JOBS)
	$(BIN)/carps report experiment=baselines format=markdown
	$(BIN)/carps report experiment=baselines

# wheels of carps[EXTRAS] for an offline install on cluster nodes (docs/scaling.md, "Offline installs"):
#   make wheelhouse PY=3.12 PLATFORM=manylinux_2_28_x86_64 [EXTRAS=all] [WHEELHOUSE=wheelhouse] [TORCH_INDEX=https://download.pytorch.org/whl/cpu] [CONSTRAINT=pins.txt]
WHEELHOUSE ?= wheelhouse
EXTRAS ?= all
wheelhouse: $(STAMP)
	$(BIN)/python tools/wheelhouse.py --dest $(WHEELHOUSE) --extras '$(EXTRAS)' $(if $(PY),--python $(PY)) $(if $(PLATFORM),--platform $(PLATFORM)) $(if $(TORCH_INDEX),--torch-index $(TORCH_INDEX)) $(if $(CONSTRAINT),--constraint $(CONSTRAINT))

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) results build dist *.egg-info
