"""REST routes: model metadata and clip classification (multipart uploads)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.api.auth import authorize
from service.errors import ClientError, InvalidClip, NotReady, UndecodableInput, UnsupportedMedia
from service.sources.realsense import RECORDING_SUFFIXES
from service.sources.uploads import DecodedClip, Limits, check_clip, decode_npz, decode_recording, decode_video
from service.streaming.clips import classify_clip

router = APIRouter()


def _limits(request: Request) -> Limits:
    s = request.app.state.settings
    return Limits(max_frames=s.max_frames, max_pixels=s.max_pixels, max_duration_s=s.max_duration_s)


def _auth(request: Request) -> None:
    authorize(request)


def _ready(request: Request) -> Any:
    runtime = request.app.state.runtime
    if not runtime.ready:
        raise NotReady("the model is still loading")
    return runtime


@router.get("/v1/models", tags=["models"])
async def models(request: Request) -> dict[str, Any]:
    """The served model: labels, window, preprocessing and the execution providers in use."""
    _auth(request)
    runtime = _ready(request)
    card = runtime.model.card
    return {
        "models": [
            {
                "name": os.path.basename(runtime.model.path),
                "labels": card.labels,
                "modalities": card.modalities,
                "frames": card.frames,
                "height": card.height,
                "width": card.width,
                "resize": card.resize,
                "stream_window": card.stream_window,
                "frp_window": card.frp_window,
                "depth_encoding": card.depth_encoding,
                "depth_near_mm": card.depth_near_mm,
                "depth_far_mm": card.depth_far_mm,
                "profile": card.profile,
                "source": card.source,
                "providers": runtime.model.providers,
                "incremental": runtime.stages is not None,
            }
        ]
    }


def _client_error_in(exc: BaseException) -> ClientError | None:
    """The ClientError inside an exception group (anyio wraps errors raised while reading)."""
    if isinstance(exc, ClientError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _client_error_in(inner)
        if found is not None:
            return found
    cause = exc.__cause__ or exc.__context__
    return _client_error_in(cause) if cause is not None and cause is not exc else None


async def _read(upload: UploadFile) -> tuple[bytes, str]:
    data = await upload.read()
    return data, os.path.splitext(upload.filename or "")[1].lower()


def _decode(files: dict[str, tuple[bytes, str]], limits: Limits) -> DecodedClip:
    if "clip" in files:
        data, suffix = files["clip"]
        if suffix == ".npz" or data[:2] == b"PK":
            return decode_npz(data)
        if suffix in RECORDING_SUFFIXES:
            return decode_recording(data, suffix, limits.max_frames)
        raise UnsupportedMedia(
            f"unsupported clip file {suffix or '(no extension)'}: send a .npz, or 'rgb' and 'depth' videos"
        )
    if "rgb" not in files and "depth" not in files:
        raise InvalidClip("no file: send 'clip' (.npz) or 'rgb' and/or 'depth' videos as multipart fields")
    rgb = depth = None
    fps = None
    if "rgb" in files:
        data, suffix = files["rgb"]
        if suffix == ".npz":
            raise UnsupportedMedia("send .npz clips in the 'clip' field")
        rgb, fps = decode_video(data, suffix, depth=False, max_frames=limits.max_frames)
    if "depth" in files:
        data, suffix = files["depth"]
        depth, dfps = decode_video(data, suffix, depth=True, max_frames=limits.max_frames)
        fps = fps or dfps
    return DecodedClip(rgb, depth, fps)


@router.post("/v1/classify", tags=["classify"])
async def classify(request: Request, top_k: int | None = None, hop: int = 4) -> dict[str, Any]:
    """Classify an uploaded clip.

    Multipart fields: `clip` (an .npz with `rgb` uint8 [T,H,W,3] and/or `depth` uint16 mm
    [T,H,W] or uint8), or `rgb` and `depth` videos (any format OpenCV decodes; depth as
    8-bit video). Answers the top-k labels for the whole clip and, for clips longer than a
    streaming window, a timeline of per-window predictions and the detected events.
    """
    _auth(request)
    runtime = _ready(request)
    if top_k is None:
        top_k = request.app.state.settings.top_k
    if not 1 <= top_k <= 100 or not 1 <= hop <= 1000:
        raise InvalidClip("top_k must be in 1..100 and hop in 1..1000")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise UnsupportedMedia("send the clip as multipart/form-data")
    try:
        form = await request.form(max_files=4, max_fields=8)
    except ClientError:
        raise
    except Exception as exc:  # malformed multipart bodies; the size limit may arrive wrapped
        raise _client_error_in(exc) or UndecodableInput(f"malformed multipart body ({exc})") from exc
    files = {}
    for name in ("clip", "rgb", "depth"):
        item = form.get(name)
        if isinstance(item, UploadFile):
            files[name] = await _read(item)
    await form.close()
    limits = _limits(request)
    clip = await run_in_threadpool(lambda: check_clip(_decode(files, limits), limits))
    card = runtime.model.card
    result = await run_in_threadpool(classify_clip, clip, card, runtime.predict, top_k, hop)
    metrics = request.app.state.metrics
    metrics.windows.labels("rest").inc(1 + len(result["timeline"]))
    for event in result["events"]:
        metrics.events.labels(event["label"]).inc()
    return {"model": os.path.basename(runtime.model.path), **result}
