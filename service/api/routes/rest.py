"""REST routes: model metadata and clip classification (multipart uploads)."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.api.deps import MetricsDep, ReadyRuntime, SettingsDep, require_api_key
from service.api.memory import give_back
from service.errors import ClientError, InvalidClip, InvalidRequest, UndecodableInput, UnsupportedMedia
from service.inference.runtime import Runtime
from service.settings import Settings
from service.sources.playback import playback as make_playback
from service.sources.uploads import DecodedClip, Limits, UploadedFile, check_clip, decode_upload
from service.streaming.clips import classify_clip
from service.streaming.events import EventParams
from service.streaming.label_filter import LabelFilter, LabelFilterError

router = APIRouter()


def _limits(s: Settings) -> Limits:
    """The upload limits the settings configure."""
    return Limits(
        max_frames=s.max_frames,
        max_pixels=s.max_pixels,
        max_duration_s=s.max_duration_s,
        max_decoded_bytes=s.max_decoded_mb * 2**20,
    )


@router.get("/v1/models", tags=["models"], dependencies=[Depends(require_api_key)])
async def models(runtime: ReadyRuntime) -> dict[str, Any]:
    """The served model: labels, window, preprocessing and the execution providers in use."""
    return {"models": [model_summary(runtime)]}


def model_summary(runtime: Runtime) -> dict[str, Any]:
    """What `/v1/models` says of a loaded model; `adapted` when `gesture adapt` made it."""
    card = runtime.model.card  # type: ignore[union-attr]
    summary = {
        "name": os.path.basename(runtime.model.path),  # type: ignore[union-attr]
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
        "providers": runtime.model.providers,  # type: ignore[union-attr]
        "incremental": runtime.stages is not None,
        "events": EventParams.for_model(card.events).to_card(
            card.events.get("tuned_on", "") if card.events else "the service defaults"
        ),
    }
    if card.adapted:
        summary["adapted"] = card.adapted
    if runtime.stage_problem:
        summary["stages_not_used"] = runtime.stage_problem
    return summary


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


async def _read(upload: UploadFile) -> UploadedFile:
    """An uploaded file's bytes and its lower-case suffix (which decoder to use)."""
    data = await upload.read()
    return data, os.path.splitext(upload.filename or "")[1].lower()


async def _uploaded_files(request: Request) -> dict[str, UploadedFile]:
    """The multipart fields `clip`, `rgb` and `depth` that hold files: {field: (bytes, suffix)}.

    Raises:
        UnsupportedMedia: the body is not multipart/form-data.
        UndecodableInput: a malformed multipart body.
        PayloadTooLarge: the body passed the upload limit while it was read.
    """
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
    return files


def _decode(files: dict[str, UploadedFile], limits: Limits) -> DecodedClip:
    """The uploaded clip, decoded as `gesture classify` decodes local files (one decoder)."""
    return decode_upload(files, limits)


@router.post("/v1/classify", tags=["classify"], dependencies=[Depends(require_api_key)])
async def classify(
    request: Request,
    background: BackgroundTasks,
    runtime: ReadyRuntime,
    settings: SettingsDep,
    metrics: MetricsDep,
    top_k: Annotated[int | None, Query(ge=1, le=100)] = None,
    hop: Annotated[int, Query(ge=1, le=1000)] = 4,
    min_score: Annotated[float | None, Query(ge=0, le=1, description="leave out labels scoring below it")] = None,
    labels: Annotated[str | None, Query(description="comma-separated allowlist of labels to report")] = None,
    playback: Annotated[
        bool, Query(description="also answer the clip's frames as small JPEGs, with the FRP guidance over them")
    ] = False,
) -> dict[str, Any]:
    """Classify an uploaded clip.

    Multipart fields: `clip` (an .npz with `rgb` uint8 [T,H,W,3] and/or `depth` uint16 mm
    [T,H,W] or uint8), or `rgb` and `depth` videos (any format OpenCV decodes; depth as
    8-bit video). Answers the top-k labels for the whole clip and, for clips longer than a
    streaming window, a timeline of per-window predictions and the detected events. With
    `playback=true`, `playback` holds at most 120 of its frames (every `step`-th) for a page
    to play back, each also with the FRP guidance over it (service/sources/playback.py).
    """
    if top_k is None:
        top_k = settings.top_k
    if not 1 <= top_k <= 100 or not 1 <= hop <= 1000:
        raise InvalidClip("top_k must be in 1..100 and hop in 1..1000")
    files = await _uploaded_files(request)
    limits = _limits(settings)
    clip = await run_in_threadpool(lambda: check_clip(_decode(files, limits), limits))
    card = runtime.acquire().model.card  # a model switch meanwhile lets this request finish on it
    try:
        names = None if labels is None else [n.strip() for n in labels.split(",") if n.strip()]
        try:
            label_filter = LabelFilter.build(card.labels, min_score, names)
        except LabelFilterError as exc:
            raise InvalidRequest(str(exc)) from None
        result = await run_in_threadpool(
            classify_clip, clip, card, runtime.predict, top_k, hop, label_filter=label_filter
        )
    finally:
        runtime.release()
    metrics.windows.labels("rest").inc(1 + len(result["timeline"]))
    for event in result["events"]:
        metrics.events.labels(event["label"]).inc()
    warnings = {"warnings": clip.warnings} if clip.warnings else {}
    background.add_task(give_back)  # after the answer: the decoded clip's memory goes back to the system
    frames = {}
    if playback:
        frames = {"playback": await run_in_threadpool(make_playback, clip.rgb, clip.depth, clip.fps, card.frp_window)}
    return {"model": os.path.basename(runtime.model.path), **result, **warnings, **frames}
