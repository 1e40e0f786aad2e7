# Two commands do all the set-up on a fresh machine:
#   make demo   trains the default MLP on the bundled digits data
#   make test   runs the test suite
# Each creates .venv, installs the project into it, and installs Graphviz's `dot`
# through apt-get when it is missing and we are root (skipped, with a note, otherwise).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: demo test bench setup dot torch clean

setup: $(STAMP) dot

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel
	$(PIP) install -e '.[dev]'
	touch $(STAMP)

# Graphviz's `dot` renders the graph pictures; without it the DOT source is still written.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
		|| echo "note: could not install graphviz; graphs will be saved as DOT source"; \
	else echo "note: Graphviz 'dot' not found (apt-get install graphviz); graphs will be saved as DOT source"; fi

# PyTorch is optional: the tests compare against it when it is installed. It must never
# bring CUDA: tools/torch_cpu.py asks pip for a dry-run report first (pip's index, then
# PyTorch's CPU index) and installs only a resolution without nvidia-* packages or a
# +cu build; when there is none it skips PyTorch with a note.
torch: $(STAMP)
	@$(PY) tools/torch_cpu.py

demo: setup
	$(PY) -m autograd_core train

test: setup torch
	$(PY) -m pytest -q

bench: setup torch
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
