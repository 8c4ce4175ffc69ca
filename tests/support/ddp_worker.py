"""Run under torchrun by tests/training/test_trainer.py: train a few steps, save this rank's weights."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist

from training.train_config import load_train_config
from training.trainer import Trainer


def main() -> None:
    config, out_dir, *overrides = sys.argv[1:]
    cfg = load_train_config(Path(config), overrides)
    trainer = Trainer(cfg, progress=False)
    trainer.run()
    torch.save(trainer.net.state_dict(), Path(out_dir) / f"rank{trainer.ctx.rank}.pt")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
