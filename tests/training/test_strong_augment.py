"""Strong training augmentation: colour, depth, label-swapping flips, speed / scale, dropout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace

import numpy as np
import pytest
import torch

from service.inference.depth import encode_depth
from training.clip_dataset import ClipDataset
from training.data import ClipReader, ClipTransform, RawClip, SplitEntry
from training.data.augmentation.depth import augment_depth, blank_depth, decode_jet, invalid_value
from training.data.augmentation.label_flip import flip_label_map, name_words
from training.data.augmentation.paired_reversal import with_reversed_copies
from training.data.augmentation.photometric import augment_color, jpeg_recompress
from training.data.augmentation.strong import StrongAugment, drop_modality, scaled_transform, speed_warp
from training.data.augmentation.time_reverse import NOT_REVERSIBLE, reverse_label_map
from training.synth.classes import CIRCLE_CCW, CIRCLE_CW, CLASS_NAMES, SWIPE_LEFT, SWIPE_RIGHT
from training.train_config import (
    AugmentConfig,
    ColorAugmentConfig,
    ConfigError,
    DepthAugmentConfig,
    load_train_config,
)

T, S = 6, 24


def _probabilities(cls: type) -> list[str]:
    return [f.name for f in fields(cls) if f.name.endswith("_p") and f.name != "erase_moving_p"]


@pytest.fixture
def rgb() -> np.ndarray:
    # smooth colour ramps plus some texture: every op has something to change
    y, x = np.mgrid[0:S, 0:S]
    base = np.stack([x * 10, y * 10, (x + y) * 5], -1) % 256
    frames = np.stack([np.roll(base, k, axis=1) for k in range(T)]).astype(np.uint8)
    return frames


@pytest.fixture
def depth_mm() -> np.ndarray:
    d = np.full((T, S, S), 2000, np.uint16)
    d[:, 6:18, 6:18] = 800  # a hand in front of a wall: one depth edge
    return d


# ---------------------------------------------------------------------------- label flip


def test_flip_label_map_swaps_direction_pairs_only() -> None:
    m = flip_label_map(CLASS_NAMES)
    assert m[SWIPE_LEFT] == SWIPE_RIGHT and m[SWIPE_RIGHT] == SWIPE_LEFT
    assert m[CIRCLE_CW] == CIRCLE_CCW and m[CIRCLE_CCW] == CIRCLE_CW
    for i in set(range(len(CLASS_NAMES))) - {SWIPE_LEFT, SWIPE_RIGHT, CIRCLE_CW, CIRCLE_CCW}:
        assert m[i] == i, CLASS_NAMES[i]


def test_flip_label_map_other_name_styles() -> None:
    names = ["Move hand left", "Move hand right", "RotateClockwise", "RotateCounterClockwise", "Thumb up"]
    assert flip_label_map(names) == [1, 0, 3, 2, 4]
    assert flip_label_map(["turn clockwise", "turn anticlockwise", "stop"]) == [1, 0, 2]
    assert flip_label_map(["left", "stop"]) == [0, 1]  # no counterpart: kept
    assert flip_label_map([f"class_{i}" for i in range(5)]) == list(range(5))
    assert name_words("circle_ccw") == ("circle", "ccw")
    with pytest.raises(ValueError, match="same words"):
        flip_label_map(["swipe_left", "Swipe Left"])


class _Reader(ClipReader):
    """In-memory clips, one per label."""

    def __init__(self, labels: Sequence[int], frames: int = 10) -> None:
        self.entries = [SplitEntry(f"c{i}", frames, lab) for i, lab in enumerate(labels)]
        rng = np.random.default_rng(5)
        self.rgb = rng.integers(0, 256, (len(labels), frames, 32, 32, 3), np.uint8)
        self.depth = rng.integers(300, 3000, (len(labels), frames, 32, 32)).astype(np.uint16)

    def load(self, i: int, indices: Sequence[int] | None = None) -> RawClip:
        idx = list(range(self.entries[i].frames)) if indices is None else list(indices)
        return RawClip(self.rgb[i][idx], self.depth[i][idx], self.entries[i].label, self.entries[i].name)


def _dataset(cfg: AugmentConfig | None, flip_p: float = 0.0, train: bool = True, seed: int = 3) -> ClipDataset:
    reader = _Reader(range(len(CLASS_NAMES)))
    transform = ClipTransform(resize=(28, 28), crop=24, flip_p=flip_p)
    strong = StrongAugment.build(cfg, CLASS_NAMES, "gray", 300.0, 3000.0) if cfg is not None else None
    return ClipDataset(
        reader, list(CLASS_NAMES), ["rgb", "depth"], T, transform, train, "gray", 300.0, 3000.0, seed, strong
    )


def _items(ds: ClipDataset) -> list[dict[str, torch.Tensor]]:
    return [ds[i] for i in range(len(ds))]


def test_dataset_flip_swaps_labels_when_asked() -> None:
    swapped = [int(item["label"]) for item in _items(_dataset(AugmentConfig(flip_swap=True), flip_p=1.0))]
    assert swapped == flip_label_map(CLASS_NAMES)
    kept = [int(item["label"]) for item in _items(_dataset(AugmentConfig(flip_swap=False), flip_p=1.0))]
    assert kept == list(range(len(CLASS_NAMES)))
    no_flip = [int(item["label"]) for item in _items(_dataset(AugmentConfig(flip_swap=True), flip_p=0.0))]
    assert no_flip == list(range(len(CLASS_NAMES)))
    # evaluation never flips nor swaps
    ev = [int(it["label"]) for it in _items(_dataset(AugmentConfig(flip_swap=True), flip_p=1.0, train=False))]
    assert ev == list(range(len(CLASS_NAMES)))


SYNTH_REVERSALS = (
    "no_gesture:no_gesture,swipe_left:swipe_right,swipe_up:swipe_down,push:pull,circle_cw:circle_ccw,"
    "open_hand:close_hand,flip_to_back:flip_to_palm"
)


def test_reverse_label_map_pairs_named_classes_and_leaves_the_rest_alone() -> None:
    m = reverse_label_map(["idle", "open", "close", "wave"], "idle:idle, open:close")
    assert m == [0, 2, 1, NOT_REVERSIBLE]
    with pytest.raises(ValueError, match="no class 'grab'"):
        reverse_label_map(["open", "close"], "open:grab")
    with pytest.raises(ValueError, match="in two pairs"):
        reverse_label_map(["a", "b", "c"], "a:b,b:c")
    with pytest.raises(ValueError, match="is not 'a:b'"):
        reverse_label_map(["a", "b"], "a-b")


def test_dataset_plays_reversible_clips_backwards_with_the_partners_label() -> None:
    cfg = AugmentConfig(reverse_p=1.0, reverse_pairs="swipe_left:swipe_right,circle_cw:circle_ccw")
    ds, plain = _dataset(cfg), _dataset(AugmentConfig())
    for label in range(len(CLASS_NAMES)):
        item, ref = ds[label], plain[label]
        if label in (SWIPE_LEFT, SWIPE_RIGHT, CIRCLE_CW, CIRCLE_CCW):
            assert int(item["label"]) == {SWIPE_LEFT: SWIPE_RIGHT, SWIPE_RIGHT: SWIPE_LEFT}.get(
                label, CIRCLE_CCW if label == CIRCLE_CW else CIRCLE_CW
            )
            assert torch.equal(item["rgb"], ref["rgb"].flip(0)) and torch.equal(item["depth"], ref["depth"].flip(0))
        else:  # in no pair: never reversed
            assert int(item["label"]) == label and torch.equal(item["rgb"], ref["rgb"])
    # every SynthGesture class has its reversal among the classes
    assert NOT_REVERSIBLE not in reverse_label_map(CLASS_NAMES, SYNTH_REVERSALS)


def test_paired_reversal_appends_each_reversible_clip_backwards_under_its_partner() -> None:
    reverse_map = reverse_label_map(["idle", "open", "close", "wave"], "idle:idle,open:close")
    frames = torch.arange(4 * 3, dtype=torch.uint8).reshape(4, 3, 1, 1, 1).expand(4, 3, 2, 2, 3)
    batch = {"label": torch.tensor([1, 3, 2, 0]), "rgb": frames, "depth": frames + 100}
    out = with_reversed_copies(batch, reverse_map)
    # originals first, then open->close, close->open, idle->idle; wave has no reversal
    assert out["label"].tolist() == [1, 3, 2, 0, 2, 1, 0]
    for key in ("rgb", "depth"):
        assert torch.equal(out[key][:4], batch[key])
        for copy, original in zip((4, 5, 6), (0, 2, 3), strict=True):
            assert torch.equal(out[key][copy], batch[key][original].flip(0))
            assert not torch.equal(out[key][copy], batch[key][original])
    assert with_reversed_copies({"label": torch.tensor([3]), "rgb": frames[:1]}, reverse_map)["label"].tolist() == [3]
    with pytest.raises(ValueError, match="reverse_paired needs augment.reverse_pairs"):
        StrongAugment.build(AugmentConfig(reverse_paired=True), ["a", "b"], "gray", 300.0, 3000.0)


def test_everything_off_is_identical_to_no_strong_augmentation() -> None:
    for a, b in zip(_items(_dataset(None, 0.5)), _items(_dataset(AugmentConfig(), 0.5)), strict=True):
        assert a.keys() == b.keys()
        for k in a:
            assert torch.equal(a[k], b[k]), k


def test_dataset_strong_items_deterministic_and_different() -> None:
    cfg = AugmentConfig(
        speed_p=1.0,
        scale_p=1.0,
        color=ColorAugmentConfig(**{n: 1.0 for n in _probabilities(ColorAugmentConfig)}),
        depth=DepthAugmentConfig(**{n: 1.0 for n in _probabilities(DepthAugmentConfig)}),
    )
    a, b, plain = _items(_dataset(cfg)), _items(_dataset(cfg)), _items(_dataset(None))
    for x, y, z in zip(a, b, plain, strict=True):
        assert x["rgb"].shape == z["rgb"].shape == (T, 24, 24, 3) and x["rgb"].dtype == torch.uint8
        assert x["depth"].shape == z["depth"].shape and x["depth"].dtype == torch.uint8
        assert torch.equal(x["rgb"], y["rgb"]) and torch.equal(x["depth"], y["depth"])
    assert any(not torch.equal(x["rgb"], z["rgb"]) for x, z in zip(a, plain, strict=True))
    assert any(not torch.equal(x["depth"], z["depth"]) for x, z in zip(a, plain, strict=True))


# ---------------------------------------------------------------------------- colour


@pytest.mark.parametrize("op", _probabilities(ColorAugmentConfig))
def test_each_colour_op_changes_the_clip_deterministically(rgb: np.ndarray, op: str) -> None:
    cfg = ColorAugmentConfig(**{op: 1.0})
    out = augment_color(rgb, cfg, np.random.default_rng(1))
    again = augment_color(rgb, cfg, np.random.default_rng(1))
    assert out.shape == rgb.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, rgb), op


def test_colour_all_off_is_identity_and_input_untouched(rgb: np.ndarray) -> None:
    before = rgb.copy()
    out = augment_color(rgb, ColorAugmentConfig(), np.random.default_rng(0))
    np.testing.assert_array_equal(out, rgb)
    strong = ColorAugmentConfig(**{n: 1.0 for n in _probabilities(ColorAugmentConfig)})
    augment_color(rgb, strong, np.random.default_rng(0))
    np.testing.assert_array_equal(rgb, before)


def test_colour_op_effects(rgb: np.ndarray) -> None:
    grey = augment_color(rgb, ColorAugmentConfig(grey_p=1.0), np.random.default_rng(0))
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    bright = augment_color(rgb, ColorAugmentConfig(brightness_p=1.0, brightness=0.0001), np.random.default_rng(0))
    assert np.abs(bright.astype(int) - rgb).max() <= 1
    flick = augment_color(rgb, ColorAugmentConfig(flicker_p=1.0, flicker=0.2, drift=0.0), np.random.default_rng(0))
    ratios = flick.reshape(T, -1).mean(1) / rgb.reshape(T, -1).mean(1)
    assert ratios.std() > 0.01  # the frames' brightness differs
    flat = np.full((T, S, S, 3), 128, np.uint8)
    erased = augment_color(flat, ColorAugmentConfig(erase_p=1.0, erase_moving_p=0.0), np.random.default_rng(2))
    changed = (erased != 128).any(-1)
    assert changed.any() and (changed == changed[0]).all()  # a static box: the same pixels in every frame


def test_jpeg_keeps_shape_and_dtype(rgb: np.ndarray) -> None:
    low = jpeg_recompress(rgb, 10)
    high = jpeg_recompress(rgb, 100)
    assert low.shape == rgb.shape and low.dtype == np.uint8
    err_low = np.abs(low.astype(int) - rgb).mean()
    err_high = np.abs(high.astype(int) - rgb).mean()
    assert err_high < err_low and err_high < 4


# ---------------------------------------------------------------------------- depth


def _forms(depth_mm: np.ndarray) -> list[tuple[np.ndarray, str]]:
    grey = encode_depth(depth_mm, "gray", 300, 3000)[..., 0]
    return [
        (depth_mm, "gray"),
        (grey, "gray"),
        (encode_depth(depth_mm, "gray", 300, 3000), "gray"),
        (encode_depth(depth_mm, "jet", 300, 3000), "jet"),
        (encode_depth(depth_mm, "jet_bgr", 300, 3000), "jet_bgr"),
    ]


@pytest.mark.parametrize("form", range(5))
def test_depth_holes_are_invalid_in_the_encoding(depth_mm: np.ndarray, form: int) -> None:
    depth, enc = _forms(depth_mm)[form]
    cfg = DepthAugmentConfig(holes_p=1.0, holes=3, hole_size=0.3)
    out = augment_depth(depth, cfg, np.random.default_rng(0), enc, 300, 3000)
    assert out.shape == depth.shape and out.dtype == depth.dtype
    bad = invalid_value(depth, enc)
    hole = (out == bad).all(-1) if out.ndim == 4 else out == bad
    assert hole.any()
    untouched = ~hole
    np.testing.assert_array_equal(out[untouched], depth[untouched])  # bit-exact elsewhere
    # the invalid value is what encode_depth gives a missing measurement
    missing = encode_depth(np.zeros((1, 1, 1), np.uint16), "gray" if enc == "gray" else enc, 300, 3000)[0, 0, 0]
    if out.ndim == 4:
        np.testing.assert_array_equal(bad, missing)
    else:
        assert bad == 0


@pytest.mark.parametrize("op", _probabilities(DepthAugmentConfig))
@pytest.mark.parametrize("form", [0, 1, 3])
def test_each_depth_op_changes_the_clip_deterministically(depth_mm: np.ndarray, op: str, form: int) -> None:
    depth, enc = _forms(depth_mm)[form]
    cfg = DepthAugmentConfig(**{op: 1.0})
    out = augment_depth(depth, cfg, np.random.default_rng(4), enc, 300, 3000)
    again = augment_depth(depth, cfg, np.random.default_rng(4), enc, 300, 3000)
    assert out.shape == depth.shape and out.dtype == depth.dtype
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, depth), op


def test_depth_all_off_is_identity(depth_mm: np.ndarray) -> None:
    for depth, enc in _forms(depth_mm):
        np.testing.assert_array_equal(augment_depth(depth, DepthAugmentConfig(), np.random.default_rng(0), enc), depth)


def test_depth_scale_and_edges_in_millimetres(depth_mm: np.ndarray) -> None:
    cfg = DepthAugmentConfig(scale_p=1.0, scale=0.2, offset_mm=0.0)
    out = augment_depth(depth_mm, cfg, np.random.default_rng(0)).astype(float)
    ratio = out / depth_mm
    assert np.allclose(ratio, ratio.flat[0], atol=2e-3) and abs(ratio.flat[0] - 1) > 1e-3
    # 8-bit grey: the same scale seen through the encoding
    grey = encode_depth(depth_mm, "gray", 300, 3000)[..., 0]
    out8 = augment_depth(grey, cfg, np.random.default_rng(0), "gray", 300, 3000)
    np.testing.assert_allclose(out8, encode_depth(out.astype(np.uint16), "gray", 300, 3000)[..., 0], atol=1)
    edges = augment_depth(depth_mm, DepthAugmentConfig(edge_p=1.0, edge_width=1), np.random.default_rng(0))
    dropped = edges == 0
    assert dropped.any() and not dropped[:, 0:3, :].any()  # only near the hand's border


def test_depth_shift_fills_invalid(depth_mm: np.ndarray) -> None:
    cfg = DepthAugmentConfig(shift_p=1.0, shift_px=3)
    for seed in range(20):
        out = augment_depth(depth_mm, cfg, np.random.default_rng(seed))
        if (out == 0).any():
            break
    assert (out == 0).any() and set(np.unique(out)) <= {0, 800, 2000}


def test_decode_jet_inverts_the_map() -> None:
    grey = np.arange(256, dtype=np.uint8)[None, None, :]
    for enc in ("jet", "jet_bgr"):
        back = decode_jet(encode_depth(grey, enc, 0, 1)[0], enc)
        assert np.abs(back.astype(int) - grey[0]).max() <= 3


# ---------------------------------------------------------------------------- temporal, scale, dropout


def test_speed_warp() -> None:
    rng = np.random.default_rng(0)
    idx = list(range(0, 32, 2))
    assert speed_warp(idx, 32, 1.0, rng) == idx
    fast = speed_warp(idx, 32, 1.4, rng)
    assert len(fast) == len(idx) and fast == sorted(fast) and 0 <= min(fast) and max(fast) <= 31
    assert len(set(fast)) < len(idx) or fast[-1] - fast[0] > idx[-1] - idx[0]  # holds or covers more
    slow = speed_warp(idx, 32, 0.7, rng)
    assert slow == sorted(slow) and slow[-1] - slow[0] <= 0.7 * 32


def test_scaled_transform_clamps_to_fit() -> None:
    base = ClipTransform(resize=(128, 128), crop=112)
    assert scaled_transform(base, 1.25).resize == (160, 160)
    assert scaled_transform(base, 0.5).resize == (112, 112)


def test_modality_dropout(rgb: np.ndarray, depth_mm: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    r, d = drop_modality(rgb, depth_mm, True, "blank", rng, "gray")
    assert (r == 0).all() and d is depth_mm
    jet = encode_depth(depth_mm, "jet", 300, 3000)
    r, d = drop_modality(rgb, jet, False, "blank", rng, "jet")
    assert r is rgb and np.array_equal(d, blank_depth(jet, "jet"))
    r, d = drop_modality(rgb, depth_mm, False, "noise", rng, "gray")
    assert d.dtype == np.uint16 and d.shape == depth_mm.shape and d.std() > 1000
    strong = StrongAugment.build(AugmentConfig(modality_dropout_p=1.0), CLASS_NAMES, "gray", 300, 3000)
    out_r, out_d = strong.pixels(rgb, depth_mm, np.random.default_rng(1))
    assert (out_r == 0).all() or (out_d == 0).all()
    assert strong.pixels(rgb, None, np.random.default_rng(1))[0] is rgb  # unimodal: nothing to drop


# ---------------------------------------------------------------------------- config


def test_config_with_strong_keys_loads(tmp_path) -> None:
    path = tmp_path / "strong.yaml"
    path.write_text(
        "augment:\n"
        "  flip_p: 0.5\n  flip_swap: true\n  speed_p: 0.5\n  scale_p: 0.5\n  modality_dropout_p: 0.1\n"
        "  color: {brightness_p: 0.8, jpeg_p: 0.3, jpeg_quality_min: 40}\n"
        "  depth: {holes_p: 0.5, shift_px: 2}\n"
    )
    cfg = load_train_config(path)
    assert cfg.augment.flip_swap and cfg.augment.color.jpeg_quality_min == 40 and cfg.augment.depth.shift_px == 2
    assert cfg.augment.color.contrast_p == 0.0 and cfg.augment.resize == 128
    defaults = load_train_config(None).augment
    assert defaults == replace(AugmentConfig()) and not StrongAugment.build(defaults, CLASS_NAMES, "gray", 1, 2).enabled
    for bad in ("augment.bogus=1", "augment.color.bogus=1", "augment.depth.bogus=1"):
        with pytest.raises(ConfigError, match=bad.split("=")[0].replace(".", r"\.")):
            load_train_config(path, [bad])
    for bad in ("augment.color.noise_p=1.5", "augment.speed_min=2", "augment.modality_dropout_fill=zeros"):
        with pytest.raises(ConfigError):
            load_train_config(path, [bad])
