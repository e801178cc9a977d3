# Fil Rouge: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Tests never need a real secret; the demo gets a generated one under var/.
TEST_ENV := SECRET_KEY=test-only-not-secret

.PHONY: install run test lint fmt messages bench browser imap-server system-deps clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=1 $(BIN)/filrouge migrate --noinput
	DEBUG=1 $(BIN)/filrouge demo --customers $${DEMO_CUSTOMERS:-2000} --if-empty
	DEBUG=1 $(BIN)/filrouge triage backfill
	DEBUG=1 $(BIN)/filrouge triage backfill --check
	DEBUG=1 $(BIN)/filrouge appointments plan --days 21
	DEBUG=1 $(BIN)/filrouge up

# Debian's Chromium drives the browser tests; installed once, as root, if missing.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium"; exit 1; fi; }

# Debian's Dovecot is the real IMAP server of the IMAP polling tests (each test run starts
# its own, in a temporary directory); installed once, as root, if missing. The package's
# service is never started by us; without it (not root) those tests skip, saying why.
imap-server:
	@test -x /usr/sbin/dovecot || { \
	  if [ "$$(id -u)" = 0 ]; then .ci/apt-install dovecot-imapd; \
	  else echo "IMAP tests will skip without Debian's Dovecot: sudo apt-get install -y dovecot-imapd"; fi; }

system-deps: browser imap-server

test: install system-deps
	$(BIN)/ruff check .
	$(TEST_ENV) $(BIN)/filrouge makemigrations --check --dry-run -v0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd filrouge && DEBUG=1 ../$(BIN)/filrouge makemessages -l fr --no-obsolete -v0 && DEBUG=1 ../$(BIN)/filrouge compilemessages -v0

bench: install
	$(BIN)/filrouge bench pages

clean:
	rm -rf $(VENV) var
