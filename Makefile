# The two commands of the README. Both set up what they need on a fresh Debian machine.
PY := .venv/bin/python

.PHONY: setup test bench lint serve

setup:
	bash .ci/setup

test: setup
	$(PY) -m pytest -q

bench: setup
	.venv/bin/gesture bench

lint: setup
	.venv/bin/ruff check model training service tests

serve:
	@echo "gesture serve is not implemented yet (issue 4): see the Status table in README.md" >&2; exit 1
