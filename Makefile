# The two commands of the README. Both set up what they need on a fresh Debian machine.
PY := .venv/bin/python

.PHONY: setup test bench lint

setup:
	bash .ci/setup

test: setup
	$(PY) -m pytest -q

bench: setup
	.venv/bin/gesture bench

lint: setup
	.venv/bin/ruff check model training service tests
