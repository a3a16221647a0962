# The README's two commands are `make run` and `make test`; everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
# The Rasa bot has its own venv: Rasa 3.6 needs Python 3.8-3.10 and pins old libraries.
BOT_VENV := .venv-bot
BOT_STAMP := $(BOT_VENV)/.installed
PYENV_PYTHON_3_10 := /root/.pyenv/versions/3.10.13/bin/python
PARLEY_BOT_PYTHON ?= $(shell test -x $(PYENV_PYTHON_3_10) && echo $(PYENV_PYTHON_3_10) || command -v python3.10)

.PHONY: run test lint typecheck unit integration e2e e2e-deps speech-deps bench bench-bot bench-twilio bench-sendgrid bench-agent bench-portal bench-transcription bench-transcription-load lock clean bot bot-train
# The browser tests inject axe-core, pinned in tests/e2e/package-lock.json, from the npm registry.
E2E_STAMP := tests/e2e/node_modules/.installed
CHROMIUM ?= /usr/bin/chromium

$(STAMP): requirements-dev.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Parley needs Python 3.11"'
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(BOT_STAMP): bot/requirements.lock
	@test -n "$(PARLEY_BOT_PYTHON)" || { echo "make bot: no Python 3.10 found; set PARLEY_BOT_PYTHON=/path/to/python3.10" >&2; exit 1; }
	@$(PARLEY_BOT_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else "make bot: PARLEY_BOT_PYTHON=$(PARLEY_BOT_PYTHON) is Python " + sys.version.split()[0] + "; Rasa 3.6 needs Python 3.10")'
	@echo "make bot: installing Rasa into $(BOT_VENV) from bot/requirements.lock (first time: about 2 minutes, 2.7 GB)"
	test -x $(BOT_VENV)/bin/python || $(PARLEY_BOT_PYTHON) -m venv $(BOT_VENV)
	@# -qq: errors only; pip 23's "legacy setup.py install" notices for three sdists are noise.
	PYTHONWARNINGS=ignore $(BOT_VENV)/bin/pip install -qq --disable-pip-version-check --require-hashes -r bot/requirements.lock
	touch $(BOT_STAMP)

$(E2E_STAMP): tests/e2e/package-lock.json
	@test -x $(CHROMIUM) || { echo "make e2e-deps: the browser tests need Chromium at $(CHROMIUM) (Debian: apt-get install chromium)" >&2; exit 1; }
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $(E2E_STAMP)

e2e-deps: $(E2E_STAMP)  ## axe-core for the browser tests (and a check that Chromium is there)

# The transcription tests make telephone audio with espeak-ng and sox: installed from Debian's
# packages when make runs as root on Debian, otherwise asked for.
speech-deps:  ## espeak-ng and sox, for the transcription tests and benchmark
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null; \
		else \
			echo "make speech-deps: the transcription tests need espeak-ng and sox (Debian: apt-get install espeak-ng sox)" >&2; exit 1; \
		fi; }

bot: $(BOT_STAMP)  ## the Rasa bot's venv (Python 3.10)

bot-train: $(STAMP) $(BOT_STAMP)  ## train the assistant's model unless it is up to date
	$(VENV)/bin/parley bot train

run: $(STAMP) $(BOT_STAMP)  ## start gateway + worker + Rasa + actions on embedded defaults
	$(VENV)/bin/parley run

# The model is trained (or found) before pytest starts, with its progress on the terminal; the
# tests then run in two processes, the bot stack's all in one (tests/stack.py).
test: lint typecheck bot-train e2e-deps speech-deps  ## everything CI runs: lint, types, all tests (with the real Rasa)
	$(VENV)/bin/pytest -n 2

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP) $(BOT_STAMP)
	$(VENV)/bin/mypy
	@# The bot's custom actions run in the bot venv: checked against its Python and rasa_sdk.
	$(VENV)/bin/mypy --python-version 3.10 --python-executable $(BOT_VENV)/bin/python bot/actions

unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

integration: $(STAMP) $(BOT_STAMP) speech-deps
	$(VENV)/bin/pytest tests/integration

e2e: $(STAMP) $(E2E_STAMP)  ## the pages in Chromium (Playwright), with axe-core
	$(VENV)/bin/pytest tests/e2e

bench: $(STAMP)  ## intake benchmark (prints ratios against a bare aiohttp baseline)
	$(VENV)/bin/python -m bench.intake

bench-bot: $(STAMP) $(BOT_STAMP)  ## bot-turn latency and throughput against direct calls to Rasa
	$(VENV)/bin/python -m bench.bot_turns

bench-twilio: $(STAMP)  ## the inbound SMS webhook at fixed rates against a bare aiohttp handler
	$(VENV)/bin/python -m bench.twilio_inbound

bench-sendgrid: $(STAMP)  ## email sends/s (aiohttp against the SendGrid SDK); the event webhook at fixed rates
	$(VENV)/bin/python -m bench.sendgrid_send
	$(VENV)/bin/python -m bench.sendgrid_events

bench-agent: $(STAMP)  ## inbound webhook on one replica to the agent socket on another; idle sockets
	$(VENV)/bin/python -m bench.agent_events

bench-portal: $(STAMP) $(BOT_STAMP)  ## portal chat turns against direct calls to Rasa; 500 idle chat sockets
	$(VENV)/bin/python -m bench.portal_chat

bench-transcription: $(STAMP) speech-deps  ## transcription RTF against faster-whisper alone; WER; peak RSS
	$(VENV)/bin/python -m bench.transcription

bench-transcription-load: $(STAMP) $(BOT_STAMP) speech-deps  ## bot turns while 100 recordings are transcribed
	$(VENV)/bin/python -m bench.transcription_load

lock:  ## re-resolve the pinned, hashed lock files after changing pyproject.toml
	$(PYTHON) -m pip install --quiet uv==0.13.8
	$(PYTHON) -m uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .rasa .pytest_cache .mypy_cache .ruff_cache .hypothesis
