"""Run one due stream window through the model: the full model for a plain session, or the
frame stage, the session's `absorb` and then the window stage for an incremental one.

This is the session-side half of streaming inference. `Runtime` only queues work on its
schedulers; the chaining that hands stage outputs back to a session lives here, beside the
window pipeline that uses it, so the inference core never reaches into stream state.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

from service.streaming.events import EventParams
from service.streaming.incremental import IncrementalStream
from service.streaming.label_filter import NO_FILTER, LabelFilter
from service.streaming.session import StreamSession, Window


class NoNewFrames(Exception):
    """An incremental window held while another ran has no grid frame of its own left (the
    one before it took them all): it would repeat that window's answer, so it is skipped."""


if TYPE_CHECKING:  # only for annotations: streaming uses the runtime, not the reverse
    from service.inference.runtime import Runtime


def new_stream(
    runtime: Runtime,
    hop: int,
    window: int | None = None,
    params: EventParams | None = None,
    label_filter: LabelFilter = NO_FILTER,
) -> StreamSession | IncrementalStream:
    """A stream's session: incremental when the model has stages and `window` (default:
    the card's stream window) is a whole multiple of the model's frames."""
    card = runtime.model.card  # type: ignore[union-attr]
    span = window or card.stream_window
    if runtime.stages is not None and span % card.frames == 0:
        return IncrementalStream(card, runtime.stages, hop, span, params, label_filter)
    return StreamSession(card, hop, window, params, label_filter)


def submit_window(runtime: Runtime, session: StreamSession | IncrementalStream, window: Window) -> Future:
    """Queue one stream window; the future resolves to {output name: [K] row}, or {} for a
    warm-up update of an incremental stream (frame stage only, nothing to classify).

    Raises:
        NoNewFrames: an incremental window with no new grid frame up to its end.
        QueueFull: the first queue is full. A full window-stage queue arrives later, as the
            future's exception; either way the window is skipped and an incremental stream
            keeps its frames for the next one.
    """
    if not isinstance(session, IncrementalStream):
        return runtime.submit(window.inputs)
    work = session.frame_work(window.end_frame)
    if work is None:
        raise NoNewFrames(f"no new grid frame up to frame {window.end_frame}")
    first = runtime.submit_frames(work.inputs)
    result: Future = Future()

    def frame_done(done: Future) -> None:
        try:
            features = session.absorb(work, done.result())
            if window.warmup:
                result.set_result({})
                return
            second = runtime.submit_features(features)
        except BaseException as exc:  # a failed batch or a full queue: report it
            result.set_exception(exc)
            return
        second.add_done_callback(lambda f: _forward(f, result))

    first.add_done_callback(frame_done)
    return result


def _forward(source: Future, target: Future) -> None:
    """Copy a finished future's result or exception into another."""
    exc = source.exception()
    if exc is not None:
        target.set_exception(exc)
    else:
        target.set_result(source.result())
