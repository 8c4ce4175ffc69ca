# The two commands of the README. Both set up what they need on a fresh Debian machine.
PY := .venv/bin/python

.PHONY: setup test bench lint serve bundled-model model-v1 stream-decoding

setup:
	bash .ci/setup

test: setup
	.venv/bin/ruff check model training service tests
	$(PY) -m pytest -q

bench: setup
	.venv/bin/gesture bench --out BENCHMARKS.md

lint: setup
	.venv/bin/ruff check model training service tests

serve:
	bash .ci/setup serve
	.venv/bin/gesture serve --host $${GESTURE_HOST:-127.0.0.1} --port $${GESTURE_PORT:-8000}

# Rebuild the bundled default model from scratch (about 170 min of training measured on 2 CPU
# cores; with generation, tuning and the benchmark an estimated 4 h; BENCHMARKS.md, "Transfer"):
# generate SynthGesture v2 in the kiosk, desk and car styles (studio and version 1 are never
# trained on: they measure transfer), train depth alone, then RGB alone (the depth network
# teaching it where the hand is), then RGB-D fusion from both with modality dropout, then
# fine-tune the fusion on windows of generated streams (stage 3), then continue it on 1560
# fresh clips with time reversal (stage 4, from stage 3's ONNX export) and on 1560 more
# (stage 5, from stage 4's), fit the hand-tone head on top of stage 5 on 1560 other clips
# (stage 6, `gesture fit-tone`, minutes; model/hand_tone.py) and write it as the
# bundled model, print the detector settings that do best on validation streams (the
# defaults in service/streaming/events.py come from there), and score every stage on every
# style (`gesture bench --suites transfer`). Each step skips what is already there and every
# training resumes from its last epoch (`--resume`): after an interruption, run the target
# again and it continues where it stopped. Stages 3 to 5 export their last epoch: their
# validation clips are isolated clips, so "best" cannot see what they improve (streams).
BUNDLED_STYLES ?= kiosk,desk,car  # as training/synth/styles.py BUNDLED_STYLES (the tests' and demo's look)
BUNDLED_MODEL ?= service/models/synth_lite_rgbd.onnx
STREAM_WINDOW ?= 48
data/synth-v2/synth.json:
	.venv/bin/gesture synth --out data/synth-v2 --clips-per-class 60 --seed 11 --styles $(BUNDLED_STYLES)
data/synth-v2-trainstreams/synth.json:
	.venv/bin/gesture synth --out data/synth-v2-trainstreams --clips-per-class 1 --seed 13 --streams 12 --styles $(BUNDLED_STYLES)
data/synth-v2-more/synth.json:
	.venv/bin/gesture synth --out data/synth-v2-more --clips-per-class 120 --seed 21 --styles $(BUNDLED_STYLES)
data/synth-v2-fresh/synth.json:
	.venv/bin/gesture synth --out data/synth-v2-fresh --clips-per-class 120 --seed 31 --styles $(BUNDLED_STYLES)
data/synth-v2-fresh2/synth.json:
	.venv/bin/gesture synth --out data/synth-v2-fresh2 --clips-per-class 120 --seed 41 --styles $(BUNDLED_STYLES)
data/synth-v2-valstreams/synth.json:
	.venv/bin/gesture synth --out data/synth-v2-valstreams --clips-per-class 1 --seed 555 --streams 6 --styles $(BUNDLED_STYLES)
bundled-model: setup data/synth-v2/synth.json data/synth-v2-trainstreams/synth.json data/synth-v2-valstreams/synth.json data/synth-v2-more/synth.json data/synth-v2-fresh/synth.json data/synth-v2-fresh2/synth.json
	for stage in depth rgb rgbd rgbd-streams; do .venv/bin/gesture train training/configs/synth-v2-lite-$$stage.yaml --resume || exit 1; done
	test -f runs/synth-v2-lite-rgbd-streams.onnx || .venv/bin/gesture export runs/synth-v2-lite-rgbd-streams/last.pt --out runs/synth-v2-lite-rgbd-streams.onnx --no-stages
	.venv/bin/gesture train training/configs/synth-v2-lite-rgbd-more.yaml --resume
	test -f runs/synth-v2-lite-rgbd-more.onnx || .venv/bin/gesture export runs/synth-v2-lite-rgbd-more/last.pt --out runs/synth-v2-lite-rgbd-more.onnx --no-stages
	.venv/bin/gesture train training/configs/synth-v2-lite-rgbd-fresh.yaml --resume
	test -f runs/synth-v2-lite-rgbd-fresh.onnx || .venv/bin/gesture export runs/synth-v2-lite-rgbd-fresh/last.pt --out runs/synth-v2-lite-rgbd-fresh.onnx --stream-window $(STREAM_WINDOW)
	.venv/bin/gesture fit-tone runs/synth-v2-lite-rgbd-fresh.onnx --data data/synth-v2-fresh2 --out $(BUNDLED_MODEL)
	.venv/bin/gesture tune-events --model $(BUNDLED_MODEL) --data data/synth-v2-valstreams --windows 32,48,64
	for m in rgb depth rgbd; do .venv/bin/gesture export runs/synth-v2-lite-$$m/best.pt --out runs/synth-v2-lite-$$m-clips.onnx --no-stages || exit 1; done
	.venv/bin/gesture bench --out BENCHMARKS.md --suites transfer --trained-on $(BUNDLED_STYLES) \
		--transfer-models runs/synth-v2-lite-rgb-clips.onnx,runs/synth-v2-lite-depth-clips.onnx,runs/synth-v2-lite-rgbd-clips.onnx,runs/synth-v2-lite-rgbd-streams.onnx,runs/synth-v2-lite-rgbd-more.onnx,runs/synth-v2-lite-rgbd-fresh.onnx,$(BUNDLED_MODEL)

# The "Stream decoding" table of BENCHMARKS.md: the bundled model on 16 generated streams of
# 8 gestures per set (in-domain with the usual rests, the same with short rests, the two
# held-out styles, and held-out studio with short rests), each through the three decoders;
# one JSON report per set and decoder in runs/stream-decoding/, and a line each; a report
# already written is kept (delete it to score again), so an interrupted run continues. About
# 3 minutes per set and decoder on 2 CPU cores (the first four sets' 12 runs: 39 min 20 s
# measured, two of the sets generated in it; the fifth set came in session 20).
STREAM_SETS = data/tune-streams data/tune-streams-short data/heldout-streams/studio data/heldout-streams-short/studio data/heldout-streams/v1
data/tune-streams/synth.json:
	.venv/bin/gesture synth --out data/tune-streams --clips-per-class 1 --seed 556 --streams 16 --styles $(BUNDLED_STYLES)
data/tune-streams-short/synth.json:
	.venv/bin/gesture synth --out data/tune-streams-short --clips-per-class 1 --seed 557 --streams 16 --styles $(BUNDLED_STYLES) --stream-gap 12,20
data/heldout-streams/%/synth.json:
	.venv/bin/gesture synth --out data/heldout-streams/$* --clips-per-class 1 --seed 9001 --streams 16 --styles $*
data/heldout-streams-short/%/synth.json:
	.venv/bin/gesture synth --out data/heldout-streams-short/$* --clips-per-class 1 --seed 9003 --streams 16 --styles $* --stream-gap 12,20
stream-decoding: setup $(addsuffix /synth.json,$(STREAM_SETS))
	mkdir -p runs/stream-decoding
	for d in $(STREAM_SETS); do for dec in segments live live-segments; do \
		out=runs/stream-decoding/$$(echo $$d | tr / -)-$$dec.json; \
		test -s $$out || .venv/bin/gesture evaluate-stream --model $(BUNDLED_MODEL) --data $$d --decoder $$dec --json > $$out || { rm -f $$out; exit 1; }; \
		.venv/bin/python -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], f\"{r['levenshtein_accuracy']:.1%}\", r['gestures'], 'gestures')" $$out $$d $$dec; \
	done; done

# The version-1 model, bundled until 2026-12 (about 75 minutes on 2 CPU cores): the same four
# stages on SynthGesture version 1 only (`training/configs/synth-lite-*.yaml`). Near perfect
# on version-1 clips, 31-48 % on the version-2 styles (BENCHMARKS.md). Exported to runs/.
V1_MODEL ?= runs/synth_lite_rgbd_v1.onnx
model-v1: setup
	.venv/bin/gesture synth --out data/synth --clips-per-class 120 --seed 1
	.venv/bin/gesture synth --out data/synth-heldout --clips-per-class 20 --seed 777 --streams 6
	.venv/bin/gesture synth --out data/synth-trainstreams --clips-per-class 1 --seed 303 --streams 24
	.venv/bin/gesture synth --out data/synth-valstreams --clips-per-class 1 --seed 555 --streams 6
	for stage in depth rgb rgbd rgbd-streams; do .venv/bin/gesture train training/configs/synth-lite-$$stage.yaml --resume || exit 1; done
	.venv/bin/gesture export runs/synth-lite-rgbd-streams/last.pt --out $(V1_MODEL) --stream-window $(STREAM_WINDOW)
	.venv/bin/gesture tune-events --model $(V1_MODEL) --data data/synth-valstreams --windows 32,48,64
	for m in rgb depth rgbd; do .venv/bin/gesture evaluate --model runs/synth-lite-$$m/best.pt --data data/synth-heldout --split all --json > runs/heldout-$$m.json; done
	.venv/bin/gesture evaluate --model $(V1_MODEL) --data data/synth-heldout --split all --json > runs/heldout-rgbd-streams.json
	.venv/bin/gesture evaluate-stream --model $(V1_MODEL) --data data/synth-heldout --json > runs/heldout-streams.json
	$(PY) -m training.bench.bundled runs
