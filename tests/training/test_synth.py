"""Tests of the SynthGesture-RGBD generator (training/synth)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.synth import (
    CLASS_NAMES,
    NUM_CLASSES,
    class_id,
    class_name,
    key_rng,
    render_clip,
    render_stream,
    write_dataset,
    write_npz_clips,
)
from training.synth.writers.parallel import ClipTask

SIZE = 64


def _clip(label: int, seed: int = 0, size: int = SIZE, frames: int | None = None):
    return render_clip(label, key_rng(seed, 99, label), size=size, frames=frames)


def _same_scene(label: int, seed: int, size: int = SIZE, frames: int | None = 48):
    """A clip whose scene, timing and hand depend on the seed only (not the label)."""
    return render_clip(label, key_rng(seed, 7), size=size, frames=frames)


def _centroids(mask: np.ndarray) -> np.ndarray:
    """[T, H, W] bool -> [T, 2] (x, y) centroids."""
    out = []
    for frame in mask:
        ys, xs = np.nonzero(frame)
        out.append((xs.mean(), ys.mean()))
    return np.array(out)


def _hand_brightness(clip, t: int) -> float:
    m = clip.hand_mask[t]
    return float(clip.rgb[t][m].mean())


def _hand_depth(clip, t: int) -> float:
    d = clip.depth[t][clip.hand_mask[t]]
    return float(np.median(d[d > 0]))


# ----------------------------------------------------------------------------- classes


def test_class_names() -> None:
    assert CLASS_NAMES == (
        "no_gesture",
        "swipe_left",
        "swipe_right",
        "swipe_up",
        "swipe_down",
        "push",
        "pull",
        "circle_cw",
        "circle_ccw",
        "open_hand",
        "close_hand",
        "flip_to_back",
        "flip_to_palm",
    )
    assert NUM_CLASSES == 13
    assert class_id("push") == 5 and class_name(12) == "flip_to_palm"
    with pytest.raises(KeyError):
        class_id("wave")
    with pytest.raises(ValueError):
        render_clip(13, key_rng(0))


# ----------------------------------------------------------------------------- every class


@pytest.mark.parametrize("label", range(NUM_CLASSES))
def test_every_class_renders(label: int) -> None:
    clip = _clip(label, seed=1)
    t = clip.frames
    assert 40 <= t <= 90
    assert clip.rgb.dtype == np.uint8 and clip.rgb.shape == (t, SIZE, SIZE, 3)
    assert clip.depth.dtype == np.uint16 and clip.depth.shape == (t, SIZE, SIZE)
    assert clip.hand_mask.shape == (t, SIZE, SIZE) and clip.label == label
    first, last = clip.gesture_range
    assert 0 <= first <= last < t
    if label == 0:
        assert (first, last) == (0, t - 1)
    else:
        assert 0.6 * t - 1 <= last - first + 1 <= 0.9 * t + 1
        assert clip.hand_mask.any(axis=(1, 2)).all()
    depth = clip.depth
    assert (depth == 0).any(), "no missing depth pixels"
    hand = depth[clip.hand_mask]
    hand = hand[hand > 0]
    if clip.hand_mask.any():
        assert hand.size and hand.min() >= 400 and hand.max() <= 900
    background = depth[~clip.hand_mask]
    background = background[background > 0]
    assert background.min() >= 1200 and background.max() <= 3000
    assert clip.rgb.std() > 20, "the background should be cluttered"


def test_fixed_length_and_size() -> None:
    clip = render_clip(3, key_rng(5), size=96, frames=64)
    assert clip.rgb.shape == (64, 96, 96, 3) and clip.depth.shape == (64, 96, 96)
    with pytest.raises(ValueError):
        render_clip(3, key_rng(5), frames=3)


def test_default_size_and_speed() -> None:
    render_clip(1, key_rng(0), frames=16)  # warm up
    started = time.perf_counter()
    clip = render_clip(7, key_rng(1), frames=64)
    elapsed = time.perf_counter() - started
    assert clip.rgb.shape == (64, 128, 128, 3)
    assert elapsed < 3.0, f"a 64-frame clip took {elapsed:.2f} s"


def test_hand_size_and_no_hand_clips() -> None:
    widths = []
    absent = 0
    for seed in range(12):
        clip = _clip(0, seed=seed, size=SIZE, frames=40)
        if not clip.hand_mask.any():
            absent += 1
            continue
        t = int(np.argmax(clip.hand_mask.any(axis=(1, 2))))
        xs = np.nonzero(clip.hand_mask[t])[1]
        widths.append((xs.max() - xs.min() + 1) / SIZE)
    assert absent >= 1, "some no_gesture clips have no hand in view"
    assert 0.15 <= np.median(widths) <= 0.6


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_clip_and_different_seeds_differ() -> None:
    a = _clip(7, seed=3)
    b = _clip(7, seed=3)
    c = _clip(7, seed=4)
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.depth, b.depth)
    assert a.gesture_range == b.gesture_range
    assert a.rgb.shape != c.rgb.shape or not np.array_equal(a.rgb, c.rgb)


# ----------------------------------------------------------------------------- depth-only / RGB-only pairs


@pytest.mark.parametrize("seed", [0, 1])
def test_push_pull_differ_in_depth_only(seed: int) -> None:
    push = _same_scene(5, seed)
    pull = _same_scene(6, seed)
    assert np.array_equal(push.rgb, pull.rgb), "RGB must not tell push from pull"
    assert np.array_equal(push.hand_mask, pull.hand_mask)
    first, last = push.gesture_range
    area = push.hand_mask[first : last + 1].sum(axis=(1, 2)).astype(float)
    assert area.std() / area.mean() < 0.06, "the RGB hand keeps its size"
    centres = _centroids(push.hand_mask[first : last + 1])
    assert np.ptp(centres, axis=0).max() < 0.08 * SIZE, "the RGB hand keeps its position"
    for clip, sign in ((push, -1), (pull, 1)):
        depths = np.array([_hand_depth(clip, t) for t in range(first, last + 1)])
        change = depths[-3:].mean() - depths[:3].mean()
        assert 120 <= sign * change <= 380, change
        trend = np.polyfit(np.arange(depths.size), depths, 1)[0]
        assert sign * trend > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_flips_differ_in_rgb_only(seed: int) -> None:
    to_back = _same_scene(11, seed)
    to_palm = _same_scene(12, seed)
    assert np.array_equal(to_back.depth, to_palm.depth), "depth must not tell the flips apart"
    assert np.array_equal(to_back.hand_mask, to_palm.hand_mask)
    first, last = to_back.gesture_range
    area = to_back.hand_mask[first : last + 1].sum(axis=(1, 2)).astype(float)
    assert area.std() / area.mean() < 0.06, "the silhouette stays the same"
    back_start, back_end = _hand_brightness(to_back, first), _hand_brightness(to_back, last)
    palm_start, palm_end = _hand_brightness(to_palm, first), _hand_brightness(to_palm, last)
    assert back_end < back_start - 10
    assert palm_end > palm_start + 10


def test_back_side_is_textured() -> None:
    clip = _same_scene(11, 2, size=128)
    first, last = clip.gesture_range

    def texture(t: int) -> float:
        grey = clip.rgb[t].astype(np.float32).mean(axis=2)
        lap = np.abs(cv2.Laplacian(grey, cv2.CV_32F))
        inner = cv2.erode(clip.hand_mask[t].astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        return float(lap[inner].mean() / max(grey[inner].mean(), 1.0))

    assert texture(last) > 1.3 * texture(first)


# ----------------------------------------------------------------------------- motion directions


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_swipe_directions(seed: int) -> None:
    expected = {1: (-1, 0), 2: (1, 0), 3: (0, -1), 4: (0, 1)}
    for label, (sx, sy) in expected.items():
        clip = _same_scene(label, seed)
        first, last = clip.gesture_range
        c = _centroids(clip.hand_mask[[first, last]])
        dx, dy = c[1] - c[0]
        main, other = (dx, dy) if sx else (dy, dx)
        assert (sx or sy) * main > 0.35 * SIZE, (CLASS_NAMES[label], dx, dy)
        assert abs(other) < 0.2 * SIZE
        depths = [_hand_depth(clip, t) for t in (first, (first + last) // 2, last)]
        assert np.ptp(depths) < 40, "swipes keep their depth"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_directions(seed: int) -> None:
    areas = {}
    for label in (7, 8):
        clip = _same_scene(label, seed)
        first, last = clip.gesture_range
        c = _centroids(clip.hand_mask[first : last + 1])
        x, y = c[:, 0], c[:, 1]
        # shoelace in image coordinates (y down): positive for screen-clockwise motion
        areas[label] = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
        radius = np.sqrt(abs(areas[label]) / np.pi)
        assert radius > 0.12 * SIZE
    assert areas[7] > 0 > areas[8]


@pytest.mark.parametrize("seed", [0, 1])
def test_open_close_hand(seed: int) -> None:
    opening = _same_scene(9, seed)
    closing = _same_scene(10, seed)
    for clip, sign in ((opening, 1), (closing, -1)):
        first, last = clip.gesture_range
        a0, a1 = clip.hand_mask[first].sum(), clip.hand_mask[last].sum()
        assert sign * (a1 - a0) > 0.25 * min(a0, a1)


# ----------------------------------------------------------------------------- streams


def test_stream_events() -> None:
    stream = render_stream(key_rng(11), size=48, n_gestures=5)
    t = stream.frames
    assert stream.rgb.shape == (t, 48, 48, 3) and stream.rgb.dtype == np.uint8
    assert stream.depth.shape == (t, 48, 48) and stream.depth.dtype == np.uint16
    assert len(stream.events) == 5
    previous_end = -1
    for label, first, last in stream.events:
        assert 1 <= label < NUM_CLASSES
        assert 0 <= first <= last < t
        assert 20 <= first - previous_end - 1 <= 60, "a no_gesture stretch separates gestures"
        previous_end = last
    assert 20 <= t - 1 - previous_end <= 60
    labels = stream.frame_labels()
    assert (labels == 0).sum() >= 20 * 6
    assert stream.hand_mask[[f for _, f, _ in stream.events]].any(axis=(1, 2)).all()


def test_stream_with_given_labels() -> None:
    stream = render_stream(key_rng(12), size=32, labels=[5, 11, 7], gap=(20, 30))
    assert [e[0] for e in stream.events] == [5, 11, 7]
    with pytest.raises(ValueError):
        render_stream(key_rng(12), size=32, labels=[0, 3])


# ----------------------------------------------------------------------------- written layouts


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("synth")
    kwargs = dict(
        clips_per_class=2,
        seed=5,
        size=32,
        streams=1,
        valid_fraction=0.5,
        progress=False,
        stream_gestures=2,
    )
    one = root / "w1"
    two = root / "w2"
    write_dataset(one, workers=1, **kwargs)
    summary = write_dataset(two, workers=2, **kwargs)
    assert summary.clips == 26 and summary.train == 13 and summary.valid == 13
    assert summary.streams == 1 and summary.stream_frames > 0
    return one, two


def test_worker_count_does_not_matter(datasets: tuple[Path, Path]) -> None:
    one, two = datasets
    for split in ("train.txt", "valid.txt"):
        assert (one / "dataset_splits" / split).read_bytes() == (two / "dataset_splits" / split).read_bytes()
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for rel in files:
        if rel.suffix == ".jpg" or rel.suffix == ".png":
            a = cv2.imread(str(one / rel), cv2.IMREAD_UNCHANGED)
            b = cv2.imread(str(two / rel), cv2.IMREAD_UNCHANGED)
            assert np.array_equal(a, b), rel
        elif rel.suffix == ".npz":
            with np.load(one / rel) as a, np.load(two / rel) as b:
                assert np.array_equal(a["rgb"], b["rgb"]) and np.array_equal(a["depth"], b["depth"])
        else:
            assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_split_file_layout(datasets: tuple[Path, Path]) -> None:
    root = datasets[0]
    rows = []
    for split in ("train.txt", "valid.txt"):
        for line in (root / "dataset_splits" / split).read_text().splitlines():
            name, frames, label = line.split(" ")
            rows.append((name, int(frames), int(label)))
    assert len(rows) == 26 and len({r[0] for r in rows}) == 26
    assert sorted(r[2] for r in rows) == sorted(list(range(13)) * 2)
    assert (root / "labels.txt").read_text().splitlines() == list(CLASS_NAMES)
    params = json.loads((root / "synth.json").read_text())
    assert params["seed"] == 5 and params["size"] == 32 and params["clips_per_class"] == 2
    assert params["streams"] == 1 and "version" in params
    for name, frames, _label in rows:
        assert name.startswith("clips/c")
        jpgs = sorted((root / "rgb" / name).glob("*.jpg"))
        pngs = sorted((root / "depth" / name).glob("*.png"))
        assert [p.name for p in jpgs] == [f"{t:06d}.jpg" for t in range(frames)]
        assert [p.name for p in pngs] == [f"{t:06d}.png" for t in range(frames)]
    # the files hold the rendered clip
    name, frames, label = rows[0]
    index = int(name.rsplit("_", 1)[1])
    clip = render_clip(label, ClipTask(label, index).rng(5), size=32)
    assert clip.frames == frames
    for t in (0, frames // 2, frames - 1):
        depth = cv2.imread(str(root / "depth" / name / f"{t:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert depth.dtype == np.uint16 and np.array_equal(depth, clip.depth[t])
        bgr = cv2.imread(str(root / "rgb" / name / f"{t:06d}.jpg"), cv2.IMREAD_COLOR)
        assert np.abs(bgr[..., ::-1].astype(int) - clip.rgb[t].astype(int)).mean() < 6


def test_stream_files(datasets: tuple[Path, Path]) -> None:
    root = datasets[0]
    meta = json.loads((root / "streams" / "stream_000.json").read_text())
    assert meta["fps"] == 30 and len(meta["events"]) == 2
    with np.load(root / "streams" / "stream_000.npz") as data:
        rgb, depth = data["rgb"], data["depth"]
    assert rgb.dtype == np.uint8 and depth.dtype == np.uint16
    assert rgb.shape == (meta["frames"], 32, 32, 3) and depth.shape == (meta["frames"], 32, 32)
    for event in meta["events"]:
        assert CLASS_NAMES[event["label"]] == event["name"]
        assert 0 <= event["start"] <= event["end"] < meta["frames"]


def test_npz_clips(tmp_path: Path) -> None:
    summary = write_npz_clips(tmp_path, clips_per_class=1, seed=2, size=32, workers=2, progress=False)
    assert summary.clips == 13
    with open(tmp_path / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["file", "label", "name"]
    assert [int(r["label"]) for r in rows] == list(range(13))
    for row in rows:
        assert CLASS_NAMES[int(row["label"])] == row["name"]
        assert (tmp_path / row["file"]).is_file()
    row = rows[6]
    clip = render_clip(6, ClipTask(6, 0).rng(2), size=32)
    with np.load(tmp_path / row["file"]) as data:
        assert data["rgb"].dtype == np.uint8 and data["depth"].dtype == np.uint16
        assert np.array_equal(data["rgb"], clip.rgb) and np.array_equal(data["depth"], clip.depth)


def test_a_small_set_keeps_a_validation_clip_per_class():
    from training.synth.writers.dataset import split_names

    rows = [(f"c{label}_{i}", 40, label) for label in range(13) for i in range(2)]
    train, valid = split_names(rows, seed=1, valid_fraction=0.2)
    assert len(valid) == 13 and len(train) == 13  # two clips per class: one each way
    assert {r[2] for r in valid} == set(range(13))
    assert split_names(rows, seed=1, valid_fraction=0.0)[1] == []
