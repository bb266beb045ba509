# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# pip's own output goes to a log, shown whole only when pip fails: a successful install
# prints nothing but what it is doing (no warnings about this machine's package indexes,
# no build-backend notices).
PIP := $(BIN)/pip --disable-pip-version-check --no-input
PIP_LOG := $(VENV)/install.log
QUIET_PIP = > $(PIP_LOG) 2>&1 || { cat $(PIP_LOG); echo "pip failed (log: $(PIP_LOG))"; exit 1; }

# What the PDF letters need from the operating system (pango, harfbuzz, fontconfig, a font),
# and what their tests draw them with (chromium, poppler's pdftoppm). Debian's names.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
	fonts-dejavu-core chromium poppler-utils

.PHONY: demo test lint clean package-plugin system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip $(QUIET_PIP)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing lms-registry-bridge into $(VENV) (pip's log: $(PIP_LOG))"
	@$(PIP) install --quiet --no-warn-script-location -e '.[test,postgres,dev]' $(QUIET_PIP)
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bridge demo
	@echo
	@echo "bridge is in $(BIN): run '. $(VENV)/bin/activate' to have it on this shell's PATH"
	@echo "(or call $(BIN)/bridge), then 'bridge init --help'; README.md, Set-up."

# -rs: every skipped test with its reason; tests/conftest.py adds what went untested.
test: $(STAMP)
	$(BIN)/pytest -q -rs $(PYTEST_ARGS)

# Installs what is missing of SYSTEM_PACKAGES with apt-get as root or through sudo (no
# password asked); otherwise prints the command to give to someone who may.
system-packages:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
		state=$$(dpkg-query -W -f='$${db:Status-Status}' "$$package" 2>/dev/null); \
		[ "$$state" = installed ] || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then echo "system packages: all installed"; exit 0; fi; \
	install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "no apt-get here: install the equivalents of$$missing"; exit 1; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing$$missing"; $(SHELL) -c "$$install"; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "installing$$missing (sudo)"; sudo $(SHELL) -c "$$install"; \
	else \
		echo "missing:$$missing"; \
		echo "as root: apt-get install$$missing"; exit 1; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The companion Moodle plugin as an installable zip (folder local_registrybridge/ inside).
package-plugin:
	$(PYTHON) scripts/package_plugin.py dist/local_registrybridge.zip

clean:
	rm -rf $(VENV) var .pytest_cache
