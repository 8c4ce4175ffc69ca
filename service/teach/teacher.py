"""The Teach workspace of one server: its takes folder, the adapted models it made, and
the adapt run going now (at most one).

```
teach_dir/labels.txt, teach_dir/clips/...   the takes (service/teach/takes_folder.py)
teach_dir/models/adapted-<time>.onnx         adapted models (with their .frame/.window stages)
```
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

from service.errors import Conflict, InvalidRequest, NotFound
from service.streaming.feeds import LiveFeed
from service.teach.adapt_job import AdaptJob, check_training_installed
from service.teach.takes_folder import (
    LABEL_NAME,
    LABELS_FILE,
    Take,
    contact_sheet,
    delete_takes,
    list_takes,
    read_label_names,
    write_take,
)

CAMERA_FEED = "camera"
MAX_TAKE_S = 10.0
MIN_TAKE_S = 0.5
FEED_GRACE_S = 10.0  # beyond the take's own length, for the feed to deliver its frames
MODELS_DIR = "models"


class Teacher:
    """Records takes from the camera feed, runs adapt on them, lists the models made."""

    def __init__(self, folder: Path, adapt_nice: int) -> None:
        self.folder = Path(folder)
        self.adapt_nice = adapt_nice  # the adapt child's niceness
        self.models = self.folder / MODELS_DIR
        self.job: AdaptJob | None = None
        self._recording = False

    # -- takes ---------------------------------------------------------------------------
    def takes(self) -> list[Take]:
        return list_takes(self.folder)

    def overview(self, feed: LiveFeed | None, serving: str, startup: str) -> dict[str, Any]:
        """Everything the Teach view shows; `serving` and `startup` are model file names."""
        takes = self.takes()
        counts = Counter(t.label for t in takes)
        labels = [n for n in read_label_names(self.folder) if counts[n]]
        return {
            "feed": None if feed is None else {"name": feed.name, "fps": feed.fps, "running": feed.running},
            "folder": self.folder.name,
            "labels": labels,
            "counts": {n: counts[n] for n in labels},
            "takes": [t.to_json() for t in takes],
            "recording": self._recording,
            "job": None if self.job is None else self.job.to_json(),
            "models": self.model_names(),
            "serving": serving,
            "startup_model": startup,
        }

    async def record(self, feed: LiveFeed | None, label: str, seconds: float) -> Take:
        """Keep the feed's next `seconds` of frames as a take of `label`.

        Raises:
            Conflict: no camera feed, or it is not running, a recording or an adapt run is going.
            InvalidRequest: a label that cannot be a folder name, seconds out of range.
        """
        if feed is None:
            raise Conflict("no camera feed to record from: start the server with --camera or --camera-recording")
        if not feed.running:
            raise Conflict(f"the camera feed is not running ({feed.error or 'it ended'})")
        if not LABEL_NAME.match(label):
            raise InvalidRequest(f"label {label!r}: use 1-40 letters, digits, '_' or '-' (not first)")
        if not MIN_TAKE_S <= seconds <= MAX_TAKE_S:
            raise InvalidRequest(f"seconds must be in {MIN_TAKE_S:g}..{MAX_TAKE_S:g}, got {seconds:g}")
        self._check_no_job("record")
        if self._recording:
            raise Conflict("a take is being recorded: wait for it to finish")
        self._recording = True
        try:
            frames = await self._capture(feed, max(1, round(seconds * feed.fps)), seconds)
            return await run_in_threadpool(write_take, self.folder, label, frames, feed.fps)
        finally:
            self._recording = False

    @staticmethod
    async def _capture(feed: LiveFeed, count: int, seconds: float) -> list[tuple[np.ndarray, np.ndarray]]:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        frames: list[tuple[np.ndarray, np.ndarray]] = []

        def finish() -> None:
            if not done.done():
                done.set_result(None)

        def tap(rgb: np.ndarray, depth: np.ndarray) -> bool:
            frames.append((rgb.copy(), depth.copy()))
            if len(frames) >= count:
                loop.call_soon_threadsafe(finish)
                return True
            return False

        feed.add_tap(tap)
        try:
            await asyncio.wait_for(done, timeout=seconds + FEED_GRACE_S)
        except TimeoutError:
            raise Conflict(f"the camera feed delivered {len(frames)} of {count} frames in time; nothing kept") from None
        finally:
            feed.remove_tap(tap)
        return frames[:count]

    def delete(self, clip_id: str) -> None:
        """Delete a take; a gesture left without takes leaves the vocabulary.

        Raises:
            NotFound: no such take.
            Conflict: an adapt run is reading the takes.
        """
        self._check_no_job("delete takes")
        try:
            delete_takes(self.folder, [clip_id])
        except KeyError:
            raise NotFound(f"no take {clip_id!r}") from None
        used = {t.label for t in self.takes()}
        names = [n for n in read_label_names(self.folder) if n in used]
        (self.folder / LABELS_FILE).write_text("".join(f"{n}\n" for n in names))

    def preview(self, clip_id: str) -> bytes:
        """A JPEG strip of the take's colour frames.

        Raises:
            NotFound: no such take.
        """
        try:
            return contact_sheet(self.folder, clip_id)
        except KeyError:
            raise NotFound(f"no take {clip_id!r}") from None

    # -- adapt ---------------------------------------------------------------------------
    def _check_no_job(self, what: str) -> None:
        if self.job is not None and self.job.state == "running":
            raise Conflict(f"cannot {what} while adapt runs on the takes: wait for it or cancel it")

    def start_adapt(self, base: Path, minutes: float) -> AdaptJob:
        """Start `gesture adapt` on the takes, from `base`.

        Raises:
            Conflict: a run is going, a recording is, the training install is missing, or there
                are fewer than two gestures with two takes each.
            InvalidRequest: minutes out of range.
        """
        self._check_no_job("start another adapt run")
        if self._recording:
            raise Conflict("a take is being recorded: wait for it to finish")
        if not 1 <= minutes <= 60:
            raise InvalidRequest(f"minutes must be in 1..60, got {minutes:g}")
        counts = Counter(t.label for t in self.takes())
        if len(counts) < 2:
            raise Conflict("record takes of at least two gestures first")
        thin = sorted(n for n, c in counts.items() if c < 2)
        if thin:
            raise Conflict(f"record at least two takes of every gesture: {', '.join(thin)} has one")
        check_training_installed()
        self.models.mkdir(parents=True, exist_ok=True)
        out = self.models / time.strftime("adapted-%Y%m%d-%H%M%S.onnx", time.gmtime())
        self.job = AdaptJob(self.folder, out, base, minutes, nice=self.adapt_nice)
        self.job.start()
        return self.job

    def cancel_adapt(self) -> None:
        """Stop the adapt run going now.

        Raises:
            Conflict: none is.
        """
        if self.job is None or self.job.state != "running":
            raise Conflict("no adapt run is going")
        self.job.cancel()

    # -- models --------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        """The adapted models in the workspace (a run that failed leaves none), newest first."""
        if not self.models.is_dir():
            return []
        models = [p for p in self.models.glob("*.onnx") if not p.name.endswith((".frame.onnx", ".window.onnx"))]
        running = self.job.out if self.job is not None and self.job.state == "running" else None
        return [p.name for p in sorted(models, key=lambda p: p.stat().st_mtime, reverse=True) if p != running]

    def model_path(self, name: str) -> Path:
        """The adapted model called `name`.

        Raises:
            NotFound: no such model here.
        """
        if name not in self.model_names():
            raise NotFound(f"no adapted model {name!r}; models: {', '.join(self.model_names()) or 'none yet'}")
        return self.models / name
