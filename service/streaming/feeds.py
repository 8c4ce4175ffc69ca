"""Live feeds the server runs itself: a RealSense camera plugged into the serving machine
(`gesture serve --camera`), a recording played as if it were that camera, or a demo stream
of generated gestures (`--demo-stream`). A feed classifies its frames continuously through
the shared scheduler and publishes predictions, gesture events, small previews and status
to every WebSocket subscriber of `/v1/live/{name}`.

Each feed runs in its own thread, paced at the source's frame rate. Subscribers get
bounded queues: a slow subscriber loses its oldest messages, never the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import cv2
import numpy as np

from service.inference.runtime import Runtime
from service.sources.frames import FramePair
from service.sources.preview import colourise_depth, jpeg_data_url
from service.sources.realsense import FIRST_CAMERA, realsense_source, stream_pairs
from service.streaming.window_inference import new_stream
from service.streaming.window_pipeline import WindowPipeline

log = logging.getLogger("gesture.live")

FrameSource = Callable[[], Iterator[FramePair]]  # a new pass over the source
FrameTap = Callable[[np.ndarray, np.ndarray], bool]  # sees each frame; True: done, remove it
SUBSCRIBER_QUEUE = 64
PREVIEW_FPS = 6.0
PREVIEW_WIDTH = 192


def preview_images(rgb: np.ndarray, depth_mm: np.ndarray) -> tuple[str, str]:
    """Small JPEG data URLs of the colour frame and the colourised depth (near = red)."""
    h, w = rgb.shape[:2]
    size = (PREVIEW_WIDTH, max(1, round(h * PREVIEW_WIDTH / w)))
    colour = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), size, interpolation=cv2.INTER_AREA)
    depth = cv2.resize(colourise_depth(depth_mm), size, interpolation=cv2.INTER_NEAREST)
    return jpeg_data_url(colour), jpeg_data_url(depth)


class LiveFeed:
    """One server-side source, classified continuously.

    Args:
        name: the feed's name in `/v1/live/{name}`.
        source: returns a fresh iterator over the frames (called again to loop).
        fps: frames per second to pace at.
        runtime: the loaded model and its scheduler.
        hop: frames between classified windows.
        loop: start the source again when it ends (recordings, demo).
        description: shown to clients.
        pause_unwatched: wait, doing no work, while nobody subscribes and no tap reads the
            frames (the demo: a loop loses nothing by waiting); a camera runs regardless.
    """

    def __init__(
        self,
        name: str,
        source: FrameSource,
        fps: float,
        runtime: Runtime,
        metrics: Any,
        hop: int = 4,
        loop: bool = False,
        description: str = "",
        pause_unwatched: bool = False,
    ) -> None:
        self.name, self.source, self.fps, self.hop, self.loop = name, source, fps, hop, loop
        self.description = description
        self.runtime, self.metrics = runtime.acquire(), metrics
        self._next_runtime: Runtime | None = None
        self._switch_lock = threading.Lock()
        self.taps: list[FrameTap] = []
        self.subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self.counts = {"frames": 0, "windows": 0, "skipped": 0, "events": 0}
        self.running = False
        self.error: str | None = None
        self.last_prediction: dict[str, Any] | None = None
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self.pipeline = WindowPipeline(runtime, metrics, "live", self._emit, self.counts)
        self._thread: threading.Thread | None = None
        self.sequence: list[str] | None = None  # the demo's gestures, in order
        self.pause_unwatched = pause_unwatched
        self.paused = False
        self._watched = threading.Event()  # set while a subscriber or a tap is there

    # -- subscribers (event-loop side) ----------------------------------------------------
    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)
        self.subscribers.add(queue)
        self._watched.set()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self.subscribers.discard(queue)
        self._note_watchers()

    def _note_watchers(self) -> None:
        if self.subscribers or self.taps:
            self._watched.set()
        else:
            self._watched.clear()

    def _deliver(self, message: dict[str, Any]) -> None:
        for queue in list(self.subscribers):
            while True:
                try:
                    queue.put_nowait(message)
                    break
                except asyncio.QueueFull:
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()

    def publish(self, message: dict[str, Any]) -> None:
        """Thread-safe: hand a message to every subscriber."""
        if self._event_loop is not None and not self._event_loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                self._event_loop.call_soon_threadsafe(self._deliver, message)

    def status(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "running": self.running,
            "paused": self.paused,
            "error": self.error,
            "fps": self.fps,
            "hop": self.hop,
            "subscribers": len(self.subscribers),
            **self.counts,
        }

    # -- model switch and frame taps (any thread) -----------------------------------------
    def use_runtime(self, runtime: Runtime) -> None:
        """Classify with `runtime` from the next frame on (at once when the feed is not
        running); windows already in flight finish on the old one, which is released."""
        with self._switch_lock:
            if self._next_runtime is not None:
                self._next_runtime.release()
            self._next_runtime = runtime.acquire()
        if not self.running:
            self._take_new_runtime()

    def _take_new_runtime(self) -> bool:
        """Switch to the runtime `use_runtime` asked for, if any; True if it switched."""
        with self._switch_lock:
            new, self._next_runtime = self._next_runtime, None
        if new is None:
            return False
        old, self.runtime = self.runtime, new
        self.pipeline.drop_held()  # its session ends here
        self.pipeline = WindowPipeline(new, self.metrics, "live", self._emit, self.counts)
        self.last_prediction = None
        self.publish({"type": "model", "labels": new.model.card.labels})  # type: ignore[union-attr]
        old.release()
        return True

    def add_tap(self, tap: FrameTap) -> None:
        """Hand every following frame (rgb, depth mm) to `tap`, on the feed thread, until it returns True."""
        self.taps = [*self.taps, tap]
        self._watched.set()

    def remove_tap(self, tap: FrameTap) -> None:
        self.taps = [t for t in self.taps if t is not tap]
        self._note_watchers()

    # -- the feed thread ------------------------------------------------------------------
    def start(self, event_loop: asyncio.AbstractEventLoop) -> None:
        self._event_loop = event_loop
        self._thread = threading.Thread(target=self._run, name=f"live-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.runtime.release()

    def _run(self) -> None:
        self.running = True
        try:
            while not self._stop.is_set():
                self._play(self.source())
                if not self.loop:
                    break
        except Exception as exc:  # a camera unplugged, an unreadable recording
            self.error = str(exc)
            log.error("live feed %s stopped: %s", self.name, exc)
            self.publish({"type": "error", "error": "source_failed", "detail": str(exc)})
        finally:
            self.running = False
            self.publish({"type": "status", **self.status()})

    def _play(self, frames: Iterator[FramePair]) -> None:
        assert self.runtime.model is not None
        session = new_stream(self.runtime, self.hop)
        started = time.monotonic()
        next_preview = 0.0
        for i, (rgb, depth) in enumerate(frames):
            if self._stop.is_set():
                return
            if self.pause_unwatched and not self._watched.is_set():
                if not self._wait_for_watchers():
                    return
                started = time.monotonic() - i / self.fps  # pace on from here, no catching up
            delay = started + i / self.fps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            index = self.counts["frames"]
            self.counts["frames"] += 1
            if self._next_runtime is not None and self._take_new_runtime():  # a switch is pending
                session = new_stream(self.runtime, self.hop)
            for tap in self.taps:
                if tap(rgb, depth):
                    self.remove_tap(tap)
            now = time.monotonic()
            if now >= next_preview:
                next_preview = now + 1 / PREVIEW_FPS
                colour, depth_url = preview_images(rgb, depth)
                self.publish({"type": "preview", "frame": index, "rgb": colour, "depth": depth_url})
            window = session.push(index, rgb, depth)
            if window is None:
                continue
            submitted = self.pipeline.submit(session, window)
            if submitted is not None:
                self.pipeline.finish_when_done(submitted)

    def _wait_for_watchers(self) -> bool:
        """Block, doing no work, until a subscriber or a tap comes (True) or the feed
        stops (False)."""
        self.paused = True
        try:
            while not self._watched.wait(0.25):
                if self._stop.is_set():
                    return False
            return True
        finally:
            self.paused = False

    def _emit(self, message: dict[str, Any]) -> None:
        """The pipeline's messages, on a scheduler thread: keep the latest prediction as
        `last_prediction`, then publish (thread-safe)."""
        if message["type"] == "prediction":
            self.last_prediction = message
        self.publish(message)


def camera_source(camera: str, width: int, height: int, fps: int) -> tuple[FrameSource, float]:
    """A live RealSense camera: `camera` is a serial number, or `first` (or empty) for the
    first camera found. Opened once here, so a missing camera or a profile it cannot stream
    fails at start-up; each pass opens it again (CameraDisconnected ends the feed).

    Raises:
        RealSenseError: no such camera, or it cannot stream this profile.
    """
    camera = camera or FIRST_CAMERA
    with realsense_source(camera=camera, width=width, height=height, fps=fps):
        pass

    def frames() -> Iterator[FramePair]:
        return stream_pairs(camera=camera, width=width, height=height, fps=fps)

    return frames, float(fps)


def recording_source(path: str) -> tuple[FrameSource, float]:
    """A RealSense recording played as a camera would deliver it (looping)."""
    with realsense_source(recording=path) as probe:  # fail now, at start-up, if it is unreadable
        fps = float(probe.stream_fps or 30)

    def frames() -> Iterator[FramePair]:
        return stream_pairs(recording=path)

    return frames, fps


def demo_source(seed: int = 1, gestures: int = 8) -> tuple[FrameSource, float, list[str]]:
    """Generated gestures rendered once and looped (through the registered generator);
    also returns the gesture names in the order they are performed."""
    from service.sources import synthetic

    frames_list, fps, names = synthetic.render(seed, gestures)

    def frames() -> Iterator[FramePair]:
        return iter(frames_list)

    return frames, fps, names


def build_feeds(settings: Any, runtime: Runtime, metrics: Any) -> dict[str, LiveFeed]:
    """The feeds the settings ask for (blocking: opens cameras, renders the demo).

    Raises:
        RealSenseError: the camera or recording asked for cannot be opened.
    """
    feeds: dict[str, LiveFeed] = {}
    hop = settings.live_hop
    if settings.camera is not None:
        w, h, fps = settings.camera_width, settings.camera_height, settings.camera_fps
        source, rate = camera_source(settings.camera, w, h, fps)
        feeds["camera"] = LiveFeed("camera", source, rate, runtime, metrics, hop, False, f"RealSense {w}x{h} {fps} fps")
    elif settings.camera_recording is not None:
        source, rate = recording_source(str(settings.camera_recording))
        feeds["camera"] = LiveFeed(
            "camera", source, rate, runtime, metrics, hop, True, f"recording {settings.camera_recording.name} (looped)"
        )
    if settings.demo_stream:
        source, rate, truth = demo_source(settings.demo_seed)
        feed = LiveFeed(
            "demo", source, rate, runtime, metrics, hop, True, "generated gestures (looped)", pause_unwatched=True
        )
        feed.sequence = truth
        feeds["demo"] = feed
    return feeds
