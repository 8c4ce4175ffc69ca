"""Dataset readers on tiny generated folders in every supported layout."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.data import (
    DatasetError,
    FrameCountMismatchError,
    LayoutError,
    MissingFileError,
    NpzFolderDataset,
    RawClip,
    UnreadableFrameError,
    detect_layout,
    isogd_dataset,
    isogd_depth_name,
    list_recorder_clips,
    load_recorder_clip,
    ntu_dataset,
    ntu_encode_clip,
    nvgesture_dataset,
    open_dataset,
    read_split_file,
    recorder_dataset,
    thuread_dataset,
)

T, H, W = 8, 32, 32


# ---------------------------------------------------------------------------- generators


def flat_rgb(t: int = T, offset: int = 0) -> np.ndarray:
    """uint8 [t, H, W, 3]: frame i is flat grey 20 + 25 i (+offset), so JPEG/MJPG keep it."""
    values = (20 + 25 * np.arange(t) + offset).clip(0, 255).astype(np.uint8)
    return np.broadcast_to(values[:, None, None, None], (t, H, W, 3)).copy()


def noise_rgb(rng: np.random.Generator, t: int = T) -> np.ndarray:
    return rng.integers(0, 256, (t, H, W, 3), dtype=np.uint8)


def depth_mm(rng: np.random.Generator, t: int = T) -> np.ndarray:
    """uint16 [t, H, W] mm with a few missing pixels."""
    d = rng.integers(400, 3000, (t, H, W)).astype(np.uint16)
    d[:, 0, 0] = 0
    return d


def write_jpgs(folder: Path, rgb: np.ndarray, pattern: str = "%06d.jpg", start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(rgb):
        assert cv2.imwrite(str(folder / (pattern % (start + i))), np.ascontiguousarray(frame[..., ::-1]))


def write_pngs(folder: Path, depth: np.ndarray, pattern: str = "%06d.png", start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(depth):
        assert cv2.imwrite(str(folder / (pattern % (start + i))), frame)


def write_video(path: Path, frames: np.ndarray) -> None:
    """MJPG AVI from uint8 [t, H, W, 3] RGB or [t, H, W] grey frames."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H))
    assert writer.isOpened()
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if frame.ndim == 2 else frame[..., ::-1].copy())
    writer.release()


def write_split(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def frame_means(frames: np.ndarray) -> np.ndarray:
    return frames.reshape(len(frames), -1).mean(axis=1)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def nv_root(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, dict[str, np.ndarray]]:
    """NvGesture / SynthGesture layout: two clips of JPEG colour + 16-bit PNG depth."""
    root = tmp_path / "nv"
    depths = {}
    for k, name in enumerate(["clips/c00_000000", "clips/c03_000001"]):
        write_jpgs(root / "rgb" / name, flat_rgb(offset=k))
        depths[name] = depth_mm(rng)
        write_pngs(root / "depth" / name, depths[name])
    write_split(root / "dataset_splits" / "train.txt", [f"clips/c00_000000 {T} 0", f"clips/c03_000001 {T} 3"])
    write_split(root / "dataset_splits" / "valid.txt", [f"clips/c03_000001 {T} 3"])
    return root, depths


# ---------------------------------------------------------------------------- NvGesture / synth


def test_nvgesture_frames_full_clip(nv_root: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, depths = nv_root
    ds = nvgesture_dataset(root, "train")
    assert len(ds) == 2
    assert ds.entries[1] == ("clips/c03_000001", T, 3)
    clip = ds.load(1)
    assert isinstance(clip, RawClip)
    assert clip.rgb.shape == (T, H, W, 3) and clip.rgb.dtype == np.uint8
    assert clip.depth.shape == (T, H, W) and clip.depth.dtype == np.uint16
    assert clip.label == 3 and clip.name == "clips/c03_000001"
    np.testing.assert_array_equal(clip.depth, depths["clips/c03_000001"])
    np.testing.assert_allclose(frame_means(clip.rgb), frame_means(flat_rgb(offset=1)), atol=2)
    assert len(nvgesture_dataset(root, "valid")) == 1


def test_nvgesture_reads_only_requested_indices(nv_root: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, depths = nv_root
    ds = nvgesture_dataset(root)
    idx = [5, 0, 0, 7]
    clip = ds.load(0, idx)
    assert clip.rgb.shape == (4, H, W, 3) and clip.depth.shape == (4, H, W)
    np.testing.assert_array_equal(clip.depth, depths["clips/c00_000000"][idx])
    np.testing.assert_allclose(frame_means(clip.rgb), frame_means(flat_rgb()[idx]), atol=2)
    # A frame file that is never requested may be broken.
    (root / "rgb" / "clips/c00_000000" / "000003.jpg").write_bytes(b"not a jpeg")
    assert ds.load(0, [1, 2]).rgb.shape[0] == 2


def test_rgb_channel_order(tmp_path: Path) -> None:
    root = tmp_path / "nv"
    rgb = np.zeros((2, H, W, 3), np.uint8)
    rgb[..., 0] = 250  # pure red in RGB order
    write_jpgs(root / "rgb" / "a", rgb)
    write_pngs(root / "depth" / "a", np.full((2, H, W), 1000, np.uint16))
    write_split(root / "dataset_splits" / "train.txt", ["a 2 0"])
    clip = nvgesture_dataset(root).load(0)
    assert clip.rgb[..., 0].mean() > 200 and clip.rgb[..., 2].mean() < 30


def test_nvgesture_modalities_and_8bit_jpeg_depth(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "nv"
    write_jpgs(root / "rgb" / "a", noise_rgb(rng, 6))
    grey = flat_rgb(6)[..., 0]
    for i, frame in enumerate(grey):
        (root / "depth" / "a").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / "depth" / "a" / f"{i:06d}.jpg"), frame)
    write_split(root / "dataset_splits" / "train.txt", ["a 6 2"])
    clip = nvgesture_dataset(root).load(0)
    assert clip.depth.dtype == np.uint8 and clip.depth.shape == (6, H, W)
    np.testing.assert_allclose(frame_means(clip.depth), frame_means(grey), atol=2)
    only_rgb = nvgesture_dataset(root, modalities=("rgb",)).load(0, [0, 1])
    assert only_rgb.depth is None and only_rgb.rgb.shape == (2, H, W, 3)
    with pytest.raises(ValueError, match="modalities"):
        nvgesture_dataset(root, modalities=("ir",))


def test_nvgesture_videos(tmp_path: Path) -> None:
    root = tmp_path / "nv"
    rgb = flat_rgb()
    write_video(root / "class_01" / "subject1_r0" / "sk_color.avi", rgb)
    write_video(root / "class_01" / "subject1_r0" / "sk_depth.avi", rgb[..., 0])
    write_split(root / "dataset_splits" / "train.txt", [f"class_01/subject1_r0 {T} 1"])
    ds = nvgesture_dataset(root)
    clip = ds.load(0)
    assert clip.rgb.shape == (T, H, W, 3) and clip.rgb.dtype == np.uint8
    assert clip.depth.shape == (T, H, W) and clip.depth.dtype == np.uint8
    np.testing.assert_allclose(frame_means(clip.depth), frame_means(rgb), atol=3)
    sub = ds.load(0, [6, 1, 6])
    np.testing.assert_allclose(frame_means(sub.rgb), frame_means(rgb[[6, 1, 6]]), atol=3)


def test_frames_numbered_from_one(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "nv"
    depth = depth_mm(rng, 6)
    write_jpgs(root / "rgb" / "a", flat_rgb(6), start=1)
    write_pngs(root / "depth" / "a", depth, start=1)
    write_split(root / "dataset_splits" / "train.txt", ["a 6 0"])
    clip = nvgesture_dataset(root).load(0, [0, 5])
    np.testing.assert_array_equal(clip.depth, depth[[0, 5]])


# ---------------------------------------------------------------------------- IsoGD


def test_isogd_depth_name() -> None:
    assert isogd_depth_name("train/001/M_00001") == "train/001/K_00001"
    assert isogd_depth_name("M_7") == "K_7"
    with pytest.raises(LayoutError, match="M_"):
        isogd_depth_name("train/001/X_00001")


def test_isogd_frame_folders_and_videos(tmp_path: Path) -> None:
    root = tmp_path / "isogd"
    rgb = flat_rgb(6)
    write_jpgs(root / "train/001/M_00001", rgb)
    write_jpgs(root / "train/001/K_00001", rgb[..., ::-1] // 2)
    write_video(root / "train/001/M_00002.avi", rgb)
    write_video(root / "train/001/K_00002.avi", rgb[..., 0])
    write_split(root / "dataset_splits" / "train.txt", ["train/001/M_00001 6 4", "train/001/M_00002 6 9"])
    ds = isogd_dataset(root)
    a, b = ds.load(0), ds.load(1, [2, 3])
    assert a.rgb.shape == (6, H, W, 3) and a.depth.shape == (6, H, W) and a.depth.dtype == np.uint8
    np.testing.assert_allclose(frame_means(a.depth), frame_means(rgb // 2), atol=2)
    assert (a.label, b.label) == (4, 9)
    assert b.rgb.shape == (2, H, W, 3) and b.depth.shape == (2, H, W)
    np.testing.assert_allclose(frame_means(b.depth), frame_means(rgb[[2, 3]]), atol=3)


# ---------------------------------------------------------------------------- THU-READ


def test_thuread_separate_depth_list(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "thu"
    write_jpgs(root / "RGB/pour/s1", noise_rgb(rng, 7))
    write_jpgs(root / "Depth/pour/s1", noise_rgb(rng, 7))
    write_split(root / "dataset_splits" / "train.txt", ["RGB/pour/s1 7 5"])
    write_split(root / "dataset_splits" / "depth_train_lst.txt", ["Depth/pour/s1 7 5"])
    ds = thuread_dataset(root, "train")
    clip = ds.load(0, [0, 6])
    assert clip.rgb.shape == (2, H, W, 3) and clip.depth.shape == (2, H, W) and clip.label == 5
    write_split(root / "dataset_splits" / "depth_train_lst.txt", ["Depth/pour/s1 7 6"])
    with pytest.raises(LayoutError, match="label"):
        thuread_dataset(root, "train")
    write_split(root / "dataset_splits" / "depth_train_lst.txt", ["Depth/pour/s1 7 5", "Depth/x 7 5"])
    with pytest.raises(LayoutError, match="lists 2 clips"):
        thuread_dataset(root, "train")
    assert len(thuread_dataset(root, "train", modalities=("rgb",))) == 1
    write_split(root / "dataset_splits" / "valid.txt", ["RGB/pour/s1 7 5"])
    with pytest.raises(MissingFileError, match="depth_valid_lst.txt"):
        thuread_dataset(root, "valid")


# ---------------------------------------------------------------------------- NTU RGB+D


def test_ntu_depth_pngs_numbered_from_one(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "ntu"
    depth = depth_mm(rng, 6)
    write_jpgs(root / "nturgb+d_rgb/S001C001P001R001A001_rgb", noise_rgb(rng, 6))
    write_pngs(root / "nturgb+d_depth/S001C001P001R001A001_depth", depth, "MDepth-%08d.png", start=1)
    write_split(root / "dataset_splits" / "train.txt", ["nturgb+d_rgb/S001C001P001R001A001_rgb 6 0"])
    clip = ntu_dataset(root).load(0, [0, 3])
    assert clip.depth.dtype == np.uint16
    np.testing.assert_array_equal(clip.depth, depth[[0, 3]])
    # --depth-root: folders named by the bare sample id.
    write_pngs(tmp_path / "masked" / "S001C001P001R001A001", depth, "MDepth-%08d.png", start=1)
    clip2 = ntu_dataset(root, depth_root=tmp_path / "masked").load(0)
    np.testing.assert_array_equal(clip2.depth, depth)
    encoded = ntu_encode_clip((clip2.depth >> 4).astype(np.uint8))
    assert encoded.shape == (6, 240, 320, 3) and encoded.dtype == np.uint8
    with pytest.raises(MissingFileError, match="MDepth-00000001.png"):
        ntu_dataset(root, depth_root=tmp_path / "nowhere").load(0)


# ---------------------------------------------------------------------------- recorder


def make_recorder(root: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    (root / "labels.txt").parent.mkdir(parents=True, exist_ok=True)
    (root / "labels.txt").write_text("no_gesture\nswipe_left\npush\n")
    depths = {}
    for clip_id, label, n in [("20240101_000", "push", 6), ("20240101_001", "swipe_left", 7)]:
        d = root / "clips" / clip_id
        write_jpgs(d / "rgb", noise_rgb(rng, n))
        depths[clip_id] = depth_mm(rng, n)
        write_pngs(d / "depth", depths[clip_id])
        (d / "meta.json").write_text(json.dumps({"label": label, "fps": 30, "frames": n}))
    return depths


def test_recorder_layout(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "rec"
    depths = make_recorder(root, rng)
    clips = list_recorder_clips(root)
    assert [(c.clip_id, c.label, c.label_name, c.frames) for c in clips] == [
        ("20240101_000", 2, "push", 6),
        ("20240101_001", 1, "swipe_left", 7),
    ]
    clip = load_recorder_clip(root, "20240101_001", [6, 0])
    assert clip.label == 1 and clip.rgb.shape == (2, H, W, 3)
    np.testing.assert_array_equal(clip.depth, depths["20240101_001"][[6, 0]])
    ds = recorder_dataset(root)
    assert len(ds) == 2 and ds.labels == [2, 1]
    assert ds.load(0).depth.shape == (6, H, W)
    with pytest.raises(MissingFileError, match="nope"):
        load_recorder_clip(root, "nope")
    (root / "clips" / "20240101_001" / "meta.json").write_text(json.dumps({"label": "wave", "fps": 30, "frames": 7}))
    with pytest.raises(LayoutError, match="'wave' is not in labels.txt"):
        list_recorder_clips(root)
    (root / "clips" / "20240101_001" / "meta.json").unlink()
    with pytest.raises(MissingFileError, match="meta.json"):
        list_recorder_clips(root)


# ---------------------------------------------------------------------------- npz folder


def make_npz_folder(root: Path, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    root.mkdir(parents=True, exist_ok=True)
    data = {
        "c01_000000.npz": {"rgb": noise_rgb(rng, 6), "depth": depth_mm(rng, 6)},
        "c02_000000.npz": {"rgb": noise_rgb(rng, 9), "depth": noise_rgb(rng, 9)},  # 8-bit x3 depth
    }
    np.savez(root / "c01_000000.npz", **data["c01_000000.npz"])
    np.savez_compressed(root / "c02_000000.npz", **data["c02_000000.npz"])
    (root / "labels.csv").write_text("file,label,name\nc01_000000.npz,1,swipe_left\nc02_000000.npz,2,swipe_right\n")
    return data


def test_npz_folder(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "npz"
    data = make_npz_folder(root, rng)
    ds = NpzFolderDataset(root)
    assert [(e.name, e.frames, e.label) for e in ds.entries] == [
        ("c01_000000.npz", 6, 1),
        ("c02_000000.npz", 9, 2),
    ]
    a = ds.load(0)
    np.testing.assert_array_equal(a.rgb, data["c01_000000.npz"]["rgb"])
    np.testing.assert_array_equal(a.depth, data["c01_000000.npz"]["depth"])
    b = ds.load(1, [8, 0, 8])
    assert b.depth.shape == (3, H, W, 3) and b.depth.dtype == np.uint8 and b.label == 2
    np.testing.assert_array_equal(b.rgb, data["c02_000000.npz"]["rgb"][[8, 0, 8]])
    assert NpzFolderDataset(root, modalities=("depth",)).load(0).rgb is None


def test_npz_errors(tmp_path: Path, rng: np.random.Generator) -> None:
    root = tmp_path / "npz"
    make_npz_folder(root, rng)
    np.savez(root / "c01_000000.npz", rgb=noise_rgb(rng, 6), depth=depth_mm(rng, 5))
    with pytest.raises(FrameCountMismatchError, match="6 rgb frames but 5 depth"):
        NpzFolderDataset(root).load(0)
    (root / "c02_000000.npz").write_bytes(b"garbage" * 20)
    with pytest.raises(UnreadableFrameError, match="c02_000000.npz"):
        NpzFolderDataset(root)
    (root / "labels.csv").write_text("file,label,name\nc01_000000.npz,one,swipe_left\n")
    with pytest.raises(LayoutError, match=r"labels.csv:2: label must be an integer"):
        NpzFolderDataset(root)
    (root / "labels.csv").write_text("path,id\nc01_000000.npz,1\n")
    with pytest.raises(LayoutError, match="header"):
        NpzFolderDataset(root)
    (root / "labels.csv").write_text("file,label,name\nmissing.npz,1,x\n")
    with pytest.raises(MissingFileError, match="missing.npz"):
        NpzFolderDataset(root)


# ---------------------------------------------------------------------------- open_dataset


def test_open_dataset_detects_layouts(
    tmp_path: Path, rng: np.random.Generator, nv_root: tuple[Path, dict[str, np.ndarray]]
) -> None:
    rec, npz = tmp_path / "rec", tmp_path / "npz"
    make_recorder(rec, rng)
    make_npz_folder(npz, rng)
    assert detect_layout(nv_root[0]) == "nvgesture"
    assert detect_layout(rec) == "recorder"
    assert detect_layout(npz) == "npz"
    assert len(open_dataset(nv_root[0], split="valid")) == 1
    assert len(open_dataset(rec)) == 2
    assert open_dataset(npz).load(1, [0]).rgb.shape == (1, H, W, 3)
    assert len(open_dataset(nv_root[0], layout="synth")) == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(LayoutError, match="nvgesture.*isogd.*thuread.*ntu.*recorder.*npz"):
        open_dataset(tmp_path / "empty")
    with pytest.raises(LayoutError, match="unknown dataset layout 'kinetics'"):
        open_dataset(nv_root[0], layout="kinetics")
    with pytest.raises(MissingFileError, match="not found"):
        open_dataset(tmp_path / "absent")


# ---------------------------------------------------------------------------- errors


def test_error_hierarchy() -> None:
    for cls in (MissingFileError, FrameCountMismatchError, UnreadableFrameError, LayoutError):
        assert issubclass(cls, DatasetError) and issubclass(cls, ValueError)


def test_missing_split_file(tmp_path: Path) -> None:
    (tmp_path / "dataset_splits").mkdir()
    with pytest.raises(MissingFileError, match=r"dataset_splits/train.txt"):
        nvgesture_dataset(tmp_path)


def test_malformed_split_lines(tmp_path: Path) -> None:
    path = write_split(tmp_path / "s.txt", ["a 5 1", "", "b 5", "c 5 2"])
    with pytest.raises(LayoutError, match=r"s.txt:3: expected 'name frames label'"):
        read_split_file(path)
    write_split(path, ["a five 1"])
    with pytest.raises(LayoutError, match=r"s.txt:1: frames and label must be integers"):
        read_split_file(path)
    write_split(path, ["name with spaces 5 1", "x -1 0"])
    with pytest.raises(LayoutError, match=r"s.txt:2: .* >= 0"):
        read_split_file(path)
    write_split(path, ["name with spaces 5 1"])
    assert read_split_file(path) == [("name with spaces", 5, 1)]


def test_missing_frames(nv_root: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = nv_root
    ds = nvgesture_dataset(root, modalities=("rgb",))
    (root / "rgb/clips/c00_000000/000004.jpg").unlink()
    with pytest.raises(MissingFileError, match=r"c00_000000/000004.jpg"):
        ds.load(0, [4])
    write_split(root / "dataset_splits" / "train.txt", ["clips/none 8 0"])
    with pytest.raises(MissingFileError, match="rgb/clips/none/000000.jpg.*sk_color.avi"):
        nvgesture_dataset(root).load(0)


def test_frame_count_mismatch(nv_root: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = nv_root
    (root / f"depth/clips/c00_000000/{T - 1:06d}.png").unlink()
    ds = nvgesture_dataset(root)
    with pytest.raises(FrameCountMismatchError, match=f"{T} rgb frames .* {T - 1} depth frames"):
        ds.load(0, [0, 1])
    assert nvgesture_dataset(root, check_counts=False).load(0, [0, 1]).frames == 2


def test_unreadable_frame(nv_root: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = nv_root
    bad = root / "depth/clips/c03_000001/000002.png"
    bad.write_bytes(b"\x89PNG garbage" * 10)
    with pytest.raises(UnreadableFrameError, match=r"c03_000001/000002.png"):
        nvgesture_dataset(root).load(1)


def test_video_errors(tmp_path: Path) -> None:
    root = tmp_path / "nv"
    write_video(root / "a" / "sk_color.avi", flat_rgb(6))
    (root / "a" / "sk_depth.avi").write_bytes(b"garbage" * 100)
    write_split(root / "dataset_splits" / "train.txt", ["a 6 0"])
    with pytest.raises(UnreadableFrameError, match="sk_depth.avi"):
        nvgesture_dataset(root).load(0)
    rgb_only = nvgesture_dataset(root, modalities=("rgb",))
    with pytest.raises(UnreadableFrameError, match="cannot decode frame 6"):
        rgb_only.load(0, [0, 6])
    with pytest.raises(IndexError):
        rgb_only.load(3)
