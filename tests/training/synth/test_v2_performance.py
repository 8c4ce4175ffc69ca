"""SynthGesture v2 motion planner: shapes, determinism, class semantics over many seeds,
and the modality-specific pairs."""

from __future__ import annotations

import numpy as np
import pytest

from training.synth import classes as C
from training.synth.performance import clip_poses, sample_performer, stream_poses
from training.synth.performance.negatives import KIND_NAMES, negative_fields, sample_negative
from training.synth.pose import POSE_FIELDS, PoseTrack

SIZE = 128
HAND = 24.0
DEPTH = (400.0, 900.0)
SEEDS = range(30)


def _clip(label: int, seed: int, frames: int | None = None) -> tuple[PoseTrack, tuple[int, int]]:
    performer = sample_performer(np.random.default_rng([seed, 1]))
    return clip_poses(label, np.random.default_rng([seed, 2]), performer, SIZE, HAND, DEPTH, frames)


def _visible(track: PoseTrack, a: int, b: int) -> np.ndarray:
    """Frames a..b with the palm centre present and inside the frame."""
    idx = np.arange(a, b + 1)
    x, y = track.x[idx], track.y[idx]
    keep = track.present[idx] & (x >= 0) & (x <= SIZE) & (y >= 0) & (y <= SIZE)
    return idx[keep]


def _area(track: PoseTrack, idx: np.ndarray) -> float:
    """Signed area of the closed path (positive = clockwise on screen, y down), px^2."""
    x, y = track.x[idx], track.y[idx]
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _winding(track: PoseTrack, idx: np.ndarray) -> float:
    """Turns swept by the path around its centroid (positive = clockwise on screen)."""
    x, y = track.x[idx] - track.x[idx].mean(), track.y[idx] - track.y[idx].mean()
    ang = np.unwrap(np.arctan2(y, x))
    return float((ang[-1] - ang[0]) / (2 * np.pi))


def _runs(track: PoseTrack, a: int, b: int) -> list[tuple[int, int]]:
    """Runs of consecutive present frames in a..b, inclusive."""
    runs, t = [], a
    while t <= b:
        if track.present[t]:
            s = t
            while t + 1 <= b and track.present[t + 1]:
                t += 1
            runs.append((s, t))
        t += 1
    return runs


def _meets(track: PoseTrack, a: int, b: int) -> set[int]:
    """The gestures whose criterion some run of present frames in a..b meets."""
    met: set[int] = set()
    for r0, r1 in _runs(track, a, b):
        vis = _visible(track, r0, r1)
        if len(vis) >= 2:
            dx = track.x[vis[-1]] - track.x[vis[0]]
            dy = track.y[vis[-1]] - track.y[vis[0]]
            lim = 0.3 * SIZE
            met |= {C.SWIPE_LEFT} if dx < -lim else {C.SWIPE_RIGHT} if dx > lim else set()
            met |= {C.SWIPE_UP} if dy < -lim else {C.SWIPE_DOWN} if dy > lim else set()
            big = min(np.ptp(track.x[vis]), np.ptp(track.y[vis])) > 0.1 * SIZE  # not a tremor
            turns = _winding(track, vis) if big and abs(_area(track, vis)) > 0.015 * SIZE**2 else 0.0
            met |= {C.CIRCLE_CW} if turns > 0.7 else {C.CIRCLE_CCW} if turns < -0.7 else set()
        if r1 > r0:
            dz = track.z[r1] - track.z[r0]
            do = track.openness[r1] - track.openness[r0]
            df = track.flip[r1] - track.flip[r0]
            met |= {C.PUSH} if dz <= -150 else {C.PULL} if dz >= 150 else set()
            met |= {C.OPEN_HAND} if do > 0.6 else {C.CLOSE_HAND} if do < -0.6 else set()
            met |= {C.FLIP_TO_BACK} if df > 0.5 else {C.FLIP_TO_PALM} if df < -0.5 else set()
    return met


def _check_track(track: PoseTrack) -> None:
    n = len(track)
    assert track.present.dtype == bool and track.present.shape == (n,)
    for f in POSE_FIELDS:
        v = getattr(track, f)
        assert v.dtype == np.float64 and v.shape == (n,) and np.all(np.isfinite(v)), f
    assert np.all((track.openness >= 0) & (track.openness <= 1))
    assert np.all((track.flip >= 0) & (track.flip <= 1))
    p = track.present
    assert np.all(np.abs(track.tilt[p]) < 0.5)
    assert np.all(np.abs(track.angle[p]) < 0.6)
    assert np.all((track.z >= DEPTH[0]) & (track.z <= DEPTH[1]))
    # smooth: no teleporting between two present frames
    both = p[1:] & p[:-1]
    step = np.hypot(np.diff(track.x), np.diff(track.y))[both]
    assert step.size == 0 or step.max() < 0.2 * SIZE  # a fast hand passing by
    assert np.all(np.abs(np.diff(track.openness))[both] < 0.15)
    assert np.all(np.abs(np.diff(track.z))[both] < 40)


@pytest.mark.parametrize("label", range(C.NUM_CLASSES))
def test_clip_shapes_and_span(label: int) -> None:
    for seed in range(10):
        track, (a, b) = _clip(label, seed)
        assert 40 <= len(track) <= 90
        _check_track(track)
        if label == C.NO_GESTURE:
            assert (a, b) == (0, len(track) - 1)
        else:
            assert 0.6 * len(track) - 1 <= b - a + 1 <= 0.9 * len(track) + 1
            assert 0 < a and b < len(track) - 1
            assert track.present[(a + b) // 2]
    track, _ = _clip(label, 3, frames=50)
    assert len(track) == 50


def test_deterministic() -> None:
    for label in (0, 1, 7, 9):
        t1, s1 = _clip(label, 5)
        t2, s2 = _clip(label, 5)
        assert s1 == s2
        for f in ("present", *POSE_FIELDS):
            assert np.array_equal(getattr(t1, f), getattr(t2, f))


def test_timing_shared_by_all_classes() -> None:
    for seed in SEEDS:
        spans = {label: _clip(label, seed)[1] for label in C.GESTURE_IDS}
        assert len(set(spans.values())) == 1


def _same_except(t1: PoseTrack, t2: PoseTrack, field: str) -> None:
    assert np.array_equal(t1.present, t2.present)
    for f in POSE_FIELDS:
        if f != field:
            assert np.array_equal(getattr(t1, f), getattr(t2, f)), f


def test_push_pull_differ_only_in_depth() -> None:
    for seed in SEEDS:
        push, (a, b) = _clip(C.PUSH, seed)
        pull, span = _clip(C.PULL, seed)
        assert span == (a, b)
        _same_except(push, pull, "z")
        assert -350 <= push.z[b] - push.z[a] <= -150
        assert 150 <= pull.z[b] - pull.z[a] <= 350
        assert np.ptp(push.x[a : b + 1]) < 0.15 * SIZE


def test_flips_differ_only_in_flip() -> None:
    for seed in SEEDS:
        back, (a, b) = _clip(C.FLIP_TO_BACK, seed)
        palm, _ = _clip(C.FLIP_TO_PALM, seed)
        _same_except(back, palm, "flip")
        assert back.flip[a] < 0.05 and back.flip[b] > 0.95
        assert palm.flip[a] > 0.95 and palm.flip[b] < 0.05
        assert back.openness[a : b + 1].min() > 0.8
        assert np.ptp(back.x[a : b + 1]) < 0.15 * SIZE


def test_swipes() -> None:
    axis = {C.SWIPE_LEFT: ("x", -1), C.SWIPE_RIGHT: ("x", 1), C.SWIPE_UP: ("y", -1), C.SWIPE_DOWN: ("y", 1)}
    for seed in SEEDS:
        for label, (field, sign) in axis.items():
            track, (a, b) = _clip(label, seed)
            v = getattr(track, field)
            assert sign * (v[b] - v[a]) > 0.3 * SIZE
            vis = _visible(track, a, b)
            assert sign * (v[vis[-1]] - v[vis[0]]) > 0.3 * SIZE
            other = track.y if field == "x" else track.x
            assert abs(other[b] - other[a]) < abs(v[b] - v[a])
            assert _meets(track, a, b) == {label}


def test_circles() -> None:
    for seed in SEEDS:
        cw, (a, b) = _clip(C.CIRCLE_CW, seed)
        ccw, _ = _clip(C.CIRCLE_CCW, seed)
        idx = np.arange(a, b + 1)
        assert _area(cw, idx) > 0.015 * SIZE**2 and _winding(cw, idx) > 0.7
        assert _area(ccw, idx) < -0.015 * SIZE**2 and _winding(ccw, idx) < -0.7
        assert C.CIRCLE_CW in _meets(cw, a, b) and C.CIRCLE_CCW in _meets(ccw, a, b)


def test_open_close() -> None:
    for seed in SEEDS:
        op, (a, b) = _clip(C.OPEN_HAND, seed)
        cl, _ = _clip(C.CLOSE_HAND, seed)
        assert op.openness[b] - op.openness[a] > 0.6
        assert cl.openness[b] - cl.openness[a] < -0.6
        assert np.ptp(op.x[a : b + 1]) < 0.15 * SIZE and np.ptp(op.z[a : b + 1]) < 40
        assert _meets(op, a, b) == {C.OPEN_HAND} and _meets(cl, a, b) == {C.CLOSE_HAND}


def test_performers_vary() -> None:
    perf = [sample_performer(np.random.default_rng(s)) for s in range(200)]
    speeds = [p.speed for p in perf]
    assert max(speeds) / min(speeds) > 2.5
    assert {p.handedness for p in perf} == {-1, 1}
    spans = [_clip(C.SWIPE_LEFT, s)[1] for s in range(40)]
    lengths = [b - a + 1 for a, b in spans]
    assert max(lengths) / min(lengths) > 1.8


def test_no_gesture_never_meets_a_gesture() -> None:
    kinds = set()
    for seed in range(120):
        track, (a, b) = _clip(C.NO_GESTURE, seed)
        _check_track(track)
        assert _meets(track, a, b) == set(), seed
        for w0 in range(0, len(track) - 20, 10):  # no depth, hand-shape or flip stroke in any part
            assert not _meets(track, w0, min(w0 + 40, b)) & {5, 6, 9, 10, 11, 12}
        kinds.add(sample_negative(np.random.default_rng(seed)).kind)
    assert len(kinds) > 5


def test_every_negative_kind() -> None:
    rest = {f: v for f, v in zip(POSE_FIELDS, (64.0, 70.0, 0.1, 600.0, 0.8, 0.1, 0.5, 0.0, 0.1), strict=True)}
    seen = set()
    for seed in range(300):
        draw = sample_negative(np.random.default_rng(seed))
        seen.add(draw.kind)
        for frames in (40, 90):
            fields = negative_fields(draw, rest, frames, SIZE, HAND)
            assert len(fields["present"]) == frames
            track = PoseTrack(**{k: np.asarray(v) for k, v in fields.items()})
            assert _meets(track, 0, frames - 1) == set(), (KIND_NAMES[draw.kind], frames)
    assert seen == set(range(len(KIND_NAMES)))


def test_stream() -> None:
    for seed in range(8):
        rng = np.random.default_rng(seed)
        labels = [int(v) for v in rng.integers(1, C.NUM_CLASSES, size=6)]
        performer = sample_performer(rng)
        track, events = stream_poses(labels, rng, performer, SIZE, HAND, DEPTH)
        _check_track(track)
        assert [e[0] for e in events] == labels
        starts = [0] + [e[2] + 1 for e in events]
        ends = [e[1] - 1 for e in events] + [len(track) - 1]
        for (label, a, b), s in zip(events, starts, strict=False):
            assert a - s >= 20 and b > a
            assert track.present[(a + b) // 2]
            assert label in _meets(track, a, b) or label in C.CIRCLES
        for s, e in zip(starts, ends, strict=True):  # the no_gesture stretches
            assert _meets(track, s, e) == set(), (seed, s, e)
        again, ev2 = stream_poses(labels, np.random.default_rng(seed), performer, SIZE, HAND, DEPTH)
        assert ev2 != [] and len(again) > 0
    with pytest.raises(ValueError):
        stream_poses([0], np.random.default_rng(0), performer, SIZE, HAND, DEPTH)
    with pytest.raises(ValueError):
        stream_poses([1], np.random.default_rng(0), performer, SIZE, HAND, DEPTH, gap=(5, 10))
