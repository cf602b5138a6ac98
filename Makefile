# The two commands a newcomer needs: `make demo` and `make test`. Both run `make setup`.
SHELL := /bin/bash
VENV := .venv
# DDS discovery never leaves this machine; each run picks its own domain.
export ROS_AUTOMATIC_DISCOVERY_RANGE := LOCALHOST

.PHONY: setup demo test test-fast lint bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/cockpit-ai demo

test: setup
	@bash scripts/test.sh

test-fast: setup
	@bash scripts/test.sh -m "not slow"

lint: setup
	$(VENV)/bin/ruff check cockpit_ai test bench
	$(VENV)/bin/mypy cockpit_ai

bench: setup
	@for b in bench/*_bench.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

clean:
	rm -rf build install log $(VENV)
