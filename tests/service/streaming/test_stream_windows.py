"""Training windows cut from generated streams: labels as a streaming classifier should
answer, the combined reader, and fine-tuning a whole network from a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.support.server_utils import ROOT
from training.data.stream_windows import ConcatClips, StreamWindowDataset, window_label
from training.train_config import ConfigError, load_train_config
from training.trainer import Trainer

CONFIG = ROOT / "training" / "configs" / "synth-lite-rgbd-streams.yaml"


@pytest.fixture(scope="module")
def synth_streams(tmp_path_factory) -> Path:
    from training.synth import write_dataset

    root = tmp_path_factory.mktemp("synth-streams")
    write_dataset(root, clips_per_class=5, seed=13, size=48, streams=2, workers=1, progress=False, stream_gestures=3)
    return root


def test_window_labels_follow_how_much_of_a_gesture_is_inside():
    events = [{"label": 4, "start": 100, "end": 139}]  # 40 frames
    assert window_label(96, 48, events, cover=0.8, partial=0.3) == 4  # all of it
    assert window_label(100, 32, events, cover=0.8, partial=0.3) == 4  # 32 of 40 = 0.8
    assert window_label(110, 48, events, cover=0.8, partial=0.3) is None  # 30 of 40 = 0.75: ambiguous
    assert window_label(0, 48, events, cover=0.8, partial=0.3) == 0  # none of it
    assert window_label(130, 48, events, cover=0.8, partial=0.3) == 0  # 10 of 40 = 0.25: the tail only
    assert window_label(120, 48, events, cover=0.8, partial=0.3) is None  # 20 of 40: ambiguous


def test_stream_windows_and_concatenation(synth_streams):
    from training.data import open_dataset

    windows = StreamWindowDataset(synth_streams, window=48, stride=6)
    assert len(windows) > 10
    assert 0 in windows.labels and any(label > 0 for label in windows.labels)
    clip = windows.load(3, [0, 5, 47])
    assert clip.rgb.shape == (3, 48, 48, 3) and clip.depth.shape == (3, 48, 48)
    clips = open_dataset(synth_streams, split="train")
    both = ConcatClips([clips, windows])
    assert len(both) == len(clips) + len(windows)
    assert both.load(len(clips) + 3, [0, 5, 47]).name == clip.name
    assert both.load(0, [0]).name == clips.load(0, [0]).name


def test_fine_tuning_from_a_whole_checkpoint_on_clips_and_windows(synth_streams, tmp_path):
    base = {
        "profile": "tiny",
        "data.root": synth_streams,
        "data.num_workers": 0,
        "data.streams": synth_streams,
        "data.stream_window": 48,
        "augment.resize": 40,
        "optim.batch_size": 4,
        "max_steps_per_epoch": 2,
        "init.checkpoint": "",
    }
    first = load_train_config(CONFIG, [f"{k}={v}" for k, v in {**base, "out": tmp_path / "a"}.items()])
    trainer = Trainer(first, progress=False)
    assert len(trainer.train_ds) > len(trainer.valid_ds)  # windows join the training split only
    trainer.run()
    tuned = load_train_config(
        CONFIG,
        [f"{k}={v}" for k, v in {**base, "out": tmp_path / "b", "init.checkpoint": tmp_path / "a" / "best.pt"}.items()],
    )
    second = Trainer(tuned, progress=False)
    saved = torch.load(tmp_path / "a" / "best.pt", weights_only=False)["model"]
    assert all(torch.equal(v, second.net.state_dict()[k]) for k, v in saved.items())
    wrong = load_train_config(
        CONFIG,
        [
            f"{k}={v}"
            for k, v in {
                **base,
                "out": tmp_path / "c",
                "modalities": "depth",
                "init.checkpoint": tmp_path / "a" / "best.pt",
            }.items()
        ],
    )
    with pytest.raises(ConfigError, match="rgbd network"):
        Trainer(wrong, progress=False)
