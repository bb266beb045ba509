# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean package-plugin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,postgres,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bridge demo

test: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The companion Moodle plugin as an installable zip (folder local_registrybridge/ inside).
package-plugin:
	$(PYTHON) scripts/package_plugin.py dist/local_registrybridge.zip

clean:
	rm -rf $(VENV) var .pytest_cache
