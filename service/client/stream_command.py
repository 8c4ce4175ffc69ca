"""`gesture stream`: send frames from a camera, a recording or generated gestures to a
running server over the WebSocket protocol, and print predictions and events live.

Sources pace themselves at their frame rate (a recording plays like the camera that made
it). When the server goes away the command reconnects with exponential backoff and goes
on with the next frame; Ctrl-C stops the stream cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from rich.console import Console
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from service.client.clients import (
    GestureAPIError,
    Prediction,
    ReportedGesture,
    StreamClient,
    StreamError,
    StreamMessage,
    StreamStats,
)
from service.sources.frames import FramePair

BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)
RETRYABLE = {"not_ready", "too_many_streams"}  # the server will take the stream later


@dataclass
class StreamReport:
    """What a `gesture stream` run did."""

    frames_sent: int = 0
    events: list[ReportedGesture] = field(default_factory=list)
    predictions: int = 0
    reconnects: int = 0
    final_stats: list[StreamStats] = field(default_factory=list)


class Printer:
    """Live output: JSON lines (`as_json`) or a rich console line per event/prediction."""

    def __init__(self, console: Console, as_json: bool, show_predictions: bool) -> None:
        self.console, self.as_json, self.show_predictions = console, as_json, show_predictions

    def __call__(self, message: StreamMessage) -> None:
        if self.as_json:
            kind = {Prediction: "prediction", ReportedGesture: "gesture", StreamStats: "stats", StreamError: "error"}
            record = {"type": kind[type(message)], **message.__dict__}
            if isinstance(message, Prediction):
                record["top"] = [s.__dict__ for s in message.top]
            print(json.dumps(record), flush=True)
            return
        if isinstance(message, ReportedGesture):
            self.console.print(
                f"[bold green]{message.label}[/bold green] frames {message.start_frame}-{message.end_frame} "
                f"(confidence {message.confidence:.2f})"
            )
        elif isinstance(message, Prediction) and self.show_predictions:
            best = message.top[0]
            self.console.print(
                f"[dim]window {message.start_frame}-{message.end_frame}: {best.label} {best.probability:.2f}[/dim]"
            )
        elif isinstance(message, StreamError):
            self.console.print(f"[yellow]server skipped a frame: {message.error}: {message.detail}[/yellow]")
        elif isinstance(message, StreamStats) and message.reason == "final":
            self.console.print(
                f"[dim]stream closed: {message.frames} frames ({message.shed or 0} shed unread), "
                f"{message.windows} windows, {message.skipped} skipped, {message.events} events[/dim]"
            )
            behind = overload_note(message)
            if behind:
                self.console.print(f"[yellow]{behind}[/yellow]")


def overload_note(stats: StreamStats) -> str | None:
    """One line when the server could not keep up with the frames sent (windows skipped or
    frames shed), saying what it means and what to do; None when it kept up."""
    shed = stats.shed or 0
    if not stats.skipped and not shed:
        return None
    total = stats.windows + stats.skipped
    share = f"{stats.skipped} of {total} windows" if total else "windows"
    return (
        f"the server could not keep up: it skipped {share} and shed {shed} frames unread, so gestures in them "
        "were never classified; send at the camera's pace (without --fast), fewer streams at once, or smaller "
        "frames, or serve on a faster machine"
    )


class Preview:
    """An OpenCV window showing the colour frame with the latest label (needs a display
    and opencv-python with GUI support, not the headless build)."""

    def __init__(self) -> None:
        import cv2

        self.cv2 = cv2
        self.label = ""
        try:
            cv2.namedWindow("gesture", cv2.WINDOW_NORMAL)
        except cv2.error as exc:
            raise RuntimeError(
                "--preview needs a display and opencv-python with GUI support (not opencv-python-headless)"
            ) from exc

    def update(self, message: StreamMessage) -> None:
        if isinstance(message, ReportedGesture):
            self.label = message.label

    def show(self, rgb: np.ndarray) -> None:
        cv2 = self.cv2
        frame = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        cv2.putText(frame, self.label, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 255, 0), 2)
        cv2.imshow("gesture", frame)
        cv2.waitKey(1)

    def close(self) -> None:
        self.cv2.destroyAllWindows()


async def _receive(stream: StreamClient, report: StreamReport, printer: Printer, preview: Preview | None) -> None:
    async for message in stream.messages():
        if isinstance(message, ReportedGesture):
            report.events.append(message)
        elif isinstance(message, Prediction):
            report.predictions += 1
        elif isinstance(message, StreamStats) and message.reason == "final":
            report.final_stats.append(message)
        printer(message)
        if preview is not None:
            preview.update(message)


async def run_stream(
    frames: Iterator[FramePair],
    fps: float,
    server: str,
    api_key: str | None = None,
    hop: int = 4,
    pace: bool = True,
    printer: Printer | None = None,
    preview: bool = False,
    max_reconnects: int = 20,
    decoder: str | None = None,
) -> StreamReport:
    """Stream `frames` to `server` until they run out; reconnect when the server goes away.

    Args:
        frames: (rgb, depth mm) pairs, all of one size.
        fps: the source's frame rate (pacing and the start message).
        server: base URL (http:// or ws://).
        pace: send at `fps` (False: as fast as the server takes them).
        max_reconnects: give up after this many failed connection attempts in a row.
        decoder: the stream's event decoder, `live` or `segments` (None: the server's default).
    """
    report = StreamReport()
    printer = printer or Printer(Console(), as_json=False, show_predictions=False)
    viewer = Preview() if preview else None
    iterator = iter(frames)
    pending: FramePair | None = await asyncio.to_thread(next, iterator, None)
    failures = 0
    try:
        while pending is not None:
            height, width = pending[1].shape
            stream = StreamClient(
                server, width=width, height=height, fps=fps, hop=hop, api_key=api_key, decoder=decoder
            )
            try:
                async with stream:
                    failures = 0
                    receiver = asyncio.create_task(_receive(stream, report, printer, viewer))
                    try:
                        started = time.monotonic()
                        sent_here = 0
                        while pending is not None:
                            if pace:
                                await asyncio.sleep(max(0.0, started + sent_here / fps - time.monotonic()))
                            await stream.send_frame(pending[0], pending[1])
                            if viewer is not None:
                                viewer.show(pending[0])
                            sent_here += 1
                            report.frames_sent += 1
                            # a camera blocks until its next frame: keep the event loop free
                            pending = await asyncio.to_thread(next, iterator, None)
                            if receiver.done():  # the server closed the stream
                                receiver.result()
                                raise ConnectionClosed(None, None)
                    finally:
                        receiver.cancel()
                        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                            await receiver
                    for message in await stream.stop():
                        if isinstance(message, ReportedGesture):
                            report.events.append(message)
                        elif isinstance(message, StreamStats) and message.reason == "final":
                            report.final_stats.append(message)
                        printer(message)
            except (ConnectionClosed, OSError, InvalidHandshake, InvalidStatus, TimeoutError, GestureAPIError) as exc:
                if isinstance(exc, GestureAPIError) and exc.code not in RETRYABLE:
                    raise  # refused for good (a wrong API key, a model that needs another modality)
                failures += 1
                if failures > max_reconnects:
                    raise ConnectionError(f"cannot reach {server} ({exc})") from exc
                delay = BACKOFF_S[min(failures - 1, len(BACKOFF_S) - 1)]
                report.reconnects += 1
                printer.console.print(f"[yellow]connection lost ({exc!r}); reconnecting in {delay:g} s[/yellow]")
                await asyncio.sleep(delay)
    finally:
        if viewer is not None:
            viewer.close()
    return report
