# The two commands of the README. Both set up what they need on a fresh Debian machine.
PY := .venv/bin/python

.PHONY: setup test bench lint serve

setup:
	bash .ci/setup

test: setup
	.venv/bin/ruff check model training service tests
	$(PY) -m pytest -q

bench: setup
	.venv/bin/gesture bench

lint: setup
	.venv/bin/ruff check model training service tests

serve: setup
	.venv/bin/gesture serve --host $${GESTURE_HOST:-127.0.0.1} --port $${GESTURE_PORT:-8000}
