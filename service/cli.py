"""Serving-side commands of the `gesture` CLI (no torch here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from service.cli_errors import fail
from service.client.clients import GestureAPIError
from service.inference.model_card import ModelCardError, read_model_card
from service.inference.stages import stage_paths
from service.sources.realsense import (
    CameraDisconnected,
    RealSenseError,
    RealSenseSource,
    frame_pairs,
    realsense_source,
)

if TYPE_CHECKING:
    from service.settings import Settings
    from service.sources.uploads import DecodedClip

console = Console(soft_wrap=True)
status = Console(stderr=True, soft_wrap=True)  # progress and errors of commands whose stdout is data


def info(
    model: str = typer.Argument(..., help="ONNX model file."),
    as_json: bool = typer.Option(False, "--json", help="Print the metadata as JSON."),
) -> None:
    """Print a model's metadata: labels, window, frame size, modalities, depth encoding."""
    try:
        card, meta = read_model_card(model)
    except (FileNotFoundError, ModelCardError) as exc:
        fail(str(exc), console)
    if as_json:
        print(
            json.dumps(
                {
                    **meta,
                    "labels": card.labels,
                    "modalities": card.modalities,
                    "config": card.config,
                    "outputs": card.outputs,
                    "stages": all(p.is_file() for p in stage_paths(model)),
                },
                indent=2,
            )
        )
        return
    table = Table(title=model, show_header=False)
    table.add_row("modalities", " + ".join(card.modalities))
    table.add_row("window", f"{card.frames} frames of {card.height}x{card.width}")
    table.add_row("FRP window", str(card.frp_window))
    if "depth" in card.modalities:
        table.add_row(
            "depth encoding",
            f"{card.depth_encoding}, {card.depth_near_mm:g}..{card.depth_far_mm:g} mm",
        )
    table.add_row("profile", card.profile)
    table.add_row("source", card.source)
    table.add_row("outputs", ", ".join(card.outputs))
    table.add_row(f"labels ({len(card.labels)})", ", ".join(card.labels))
    frame, window = stage_paths(model)
    both = frame.is_file() and window.is_file()
    table.add_row("streaming stages", f"yes ({frame.name}, {window.name})" if both else "no: streams run full windows")
    console.print(table)


def classify(
    clip: str = typer.Argument(
        ...,
        help="A .npz clip (rgb uint8 [T,H,W,3], depth uint16 mm [T,H,W]), a RealSense recording (.bag/.db3) "
        "or an RGB video.",
    ),
    depth: str | None = typer.Option(None, "--depth", help="Depth video (8-bit) to pair with an RGB video."),
    model: str | None = typer.Option(None, "--model", help="ONNX model (default: the bundled model)."),
    top_k: int = typer.Option(5, "--top-k", min=1, help="How many of the best labels to report."),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between timeline windows."),
    min_score: float | None = typer.Option(None, "--min-score", min=0.0, max=1.0, help="Leave out labels below it."),
    labels: str | None = typer.Option(None, "--labels", help="Comma-separated allowlist of labels to report."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Classify a clip locally with the same pipeline as the server (no server needed)."""
    from service.errors import ClientError
    from service.inference.onnx_session import OnnxModel
    from service.settings import default_model_path
    from service.streaming.clips import classify_clip
    from service.streaming.label_filter import LabelFilter, LabelFilterError

    try:
        onnx_model = OnnxModel(model or default_model_path())
        decoded = _read_clip(clip, depth)
        names = None if labels is None else [n.strip() for n in labels.split(",") if n.strip()]
        label_filter = LabelFilter.build(onnx_model.card.labels, min_score, names)
        result = classify_clip(
            decoded, onnx_model.card, onnx_model.logits, top_k=top_k, hop=hop, label_filter=label_filter
        )
    except (FileNotFoundError, ModelCardError, ClientError, LabelFilterError) as exc:
        fail(str(exc), console)
    warnings = list(decoded.warnings)
    if decoded.frames < onnx_model.card.stream_window // 2:
        warnings.append(
            f"the clip has {decoded.frames} frames, far fewer than the model's {onnx_model.card.stream_window}-frame "
            "window: the answer says little"
        )
    result = {"model": Path(onnx_model.path).name, **result}
    if warnings:
        result["warnings"] = warnings
    if as_json:
        print(json.dumps(result))
        return
    for warning in warnings:
        status.print(f"[yellow]warning: {warning}[/yellow]")
    console.print(f"{clip}: [bold]{result['label'] or 'no label passes the filter'}[/bold] ({result['frames']} frames)")
    for row in result["top"]:
        console.print(f"  {row['label']:>16}  {row['probability']:.3f}")
    for event in result["events"]:
        console.print(
            f"  event {event['label']} frames {event['start_frame']}-{event['end_frame']} ({event['confidence']:.2f})"
        )


def _read_clip(clip: str, depth: str | None) -> DecodedClip:
    """Decode a local clip file with the server's own decoders and upload limits, so that
    `gesture classify` accepts and refuses exactly what `POST /v1/classify` does.

    Raises:
        FileNotFoundError: `clip` or `depth` does not exist.
        ClientError: the file cannot be decoded or breaks the upload limits.
    """
    from service.sources.uploads import Limits, check_clip, decode_upload, local_upload_files

    limits = Limits()
    return check_clip(decode_upload(local_upload_files(clip, depth), limits), limits)


def serve(
    model: str | None = typer.Option(None, "--model", help="ONNX model (default: GESTURE_MODEL or the bundled model)."),
    host: str | None = typer.Option(None, "--host", help="Bind address (default 127.0.0.1; GESTURE_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (default 8000; GESTURE_PORT)."),
    api_key: str | None = typer.Option(None, "--api-key", help="Require this API key (GESTURE_API_KEY)."),
    camera: str | None = typer.Option(
        None, "--camera", help="Also classify a local RealSense camera (its serial, or 'first') as live feed 'camera'."
    ),
    camera_recording: Path | None = typer.Option(
        None, "--camera-recording", help="Play a .bag/.db3 recording as live feed 'camera' (looped)."
    ),
    demo_stream: bool = typer.Option(False, "--demo-stream", help="Run live feed 'demo' of generated gestures."),
) -> None:
    """Serve a model over REST and WebSocket (settings also from GESTURE_* variables).

    Live feeds (`--camera`, `--camera-recording`, `--demo-stream`) are classified by the
    server itself; clients subscribe to them at `/v1/live/{name}`."""
    import uvicorn

    from service.api.app import create_app
    from service.settings import Settings

    given = {
        "model": model,
        "host": host,
        "port": port,
        "api_key": api_key,
        "camera": camera,
        "camera_recording": camera_recording,
        "demo_stream": demo_stream or None,
    }
    overrides = {k: v for k, v in given.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValueError as exc:
        fail(str(exc), console)
    if not settings.model.is_file():
        fail(f"model not found: {settings.model}", console)
    _preflight(settings)
    from service.api.log_format import uvicorn_log_config
    from service.api.shutdown import GracefulServer

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=uvicorn_log_config(settings.log_level),
        ws_max_size=16 * 1024 * 1024,
        # Frames are JPEG/PNG already: compressing them again only costs CPU on both sides,
        # and inflating on the event loop delays its pings (BENCHMARKS.md, "Soak")
        ws_per_message_deflate=False,
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
    )
    GracefulServer(config, app.state.service, settings.shutdown_grace_s).run()


def _preflight(settings: Settings) -> None:
    """Fail with one line, before anything loads, for what would otherwise fail later with a
    traceback: a port in use, a camera that is not there, an unreadable recording."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", console)
    if settings.camera is None and settings.camera_recording is None:
        return
    from service.sources.realsense import RealSenseError
    from service.streaming.feeds import camera_source, recording_source

    try:
        if settings.camera is not None:
            camera_source(settings.camera, settings.camera_width, settings.camera_height, settings.camera_fps)
        else:
            recording_source(str(settings.camera_recording))
    except RealSenseError as exc:
        fail(str(exc), console)


def _synth_frames(seed: int, gestures: int) -> tuple[Iterator[tuple[np.ndarray, np.ndarray]], float]:
    from service.sources import synthetic

    frames, fps, names = synthetic.render(seed, gestures)
    status.print(f"generated stream: {', '.join(names)} ({len(frames)} frames)")
    return iter(frames), fps


def _realsense_frames(source: RealSenseSource) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Frames of an opened source; an unplugged camera ends the stream cleanly (the server
    gets a stop message and its final stats)."""
    try:
        yield from frame_pairs(source)
    except CameraDisconnected as exc:
        status.print(f"[red]{exc}[/red]: stopping the stream")
    finally:
        source.close()


def stream(
    server: str = typer.Option("http://127.0.0.1:8000", "--server", help="The gesture server's base URL."),
    camera: str | None = typer.Option(
        None, "--camera", help="Stream a RealSense camera: its serial, or 'first' for the first one found."
    ),
    recording: Path | None = typer.Option(None, "--recording", help="Stream a RealSense recording (.bag/.db3)."),
    synth: int | None = typer.Option(None, "--synth", help="Stream generated gestures with this seed."),
    gestures: int = typer.Option(6, "--gestures", min=1, help="--synth: number of gestures."),
    api_key: str | None = typer.Option(None, "--api-key", envvar="GESTURE_API_KEY", help="The server's API key."),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between classified windows."),
    width: int = typer.Option(640, help="--camera: colour and depth width."),
    height: int = typer.Option(480, help="--camera: colour and depth height."),
    fps: int = typer.Option(30, help="--camera: frame rate."),
    fast: bool = typer.Option(
        False, "--fast", help="Recordings and --synth: send as fast as possible, not at their fps."
    ),
    preview: bool = typer.Option(False, "--preview", help="Show the colour frames with the label (needs a display)."),
    predictions: bool = typer.Option(False, "--predictions", help="Also print every window's prediction."),
    as_json: bool = typer.Option(False, "--json", help="Print every server message as a JSON line."),
    retries: int = typer.Option(20, "--retries", min=0, help="Connection attempts in a row before giving up."),
    decoder: str | None = typer.Option(
        None,
        "--decoder",
        help="live (the server's default): events fire while a gesture is in the window; segments: one event "
        "per gesture, when it ends (docs/protocol.md).",
    ),
) -> None:
    """Stream frames to a running server and print gesture events live (Ctrl-C stops)."""
    import asyncio

    from service.client.stream_command import Printer, run_stream

    chosen = [x for x in (camera, recording, synth) if x is not None]
    if len(chosen) != 1:
        fail("give exactly one of --camera, --recording, --synth", status)
    from service.streaming.label_filter import DECODERS

    if decoder is not None and decoder not in DECODERS:
        fail(f"--decoder must be {' or '.join(DECODERS)}, got {decoder!r}", status)
    try:
        if synth is not None:
            frames, rate = _synth_frames(synth, gestures)
            pace = not fast
        else:
            source = realsense_source(recording, camera, width, height, fps).open()
            frames, rate = _realsense_frames(source), float(source.stream_fps or fps)
            pace = camera is None and not fast  # a camera paces itself
        printer = Printer(Console(stderr=as_json), as_json=as_json, show_predictions=predictions)
        report = asyncio.run(run_stream(frames, rate, server, api_key, hop, pace, printer, preview, retries, decoder))
    except (RealSenseError, ConnectionError, GestureAPIError, RuntimeError) as exc:
        fail(str(exc), status)
    except KeyboardInterrupt:
        status.print("stopped")
        return
    status.print(
        f"sent {report.frames_sent} frames, {len(report.events)} gesture events"
        + (f", {report.reconnects} reconnects" if report.reconnects else "")
    )


def export_triton(
    model: Path = typer.Argument(..., help="A gesture ONNX model."),
    out: Path = typer.Option(..., "--out", "-o", help="Triton model repository folder to write into."),
    name: str = typer.Option("gesture", "--name", help="The model's name in the repository."),
    max_batch_size: int = typer.Option(
        32, "--max-batch-size", min=1, help="Largest batch Triton may form from queued windows (its max_batch_size)."
    ),
    fp32: bool = typer.Option(False, "--fp32", help="TensorRT in fp32 instead of fp16."),
    cpu: bool = typer.Option(False, "--cpu", help="CPU instances (no TensorRT accelerator)."),
) -> None:
    """Write a Triton Inference Server model repository for a model (the scale-out path)."""
    from service.inference.triton import export_triton as write_repo

    try:
        folder = write_repo(model, out, name, max_batch_size, fp16=not fp32, gpu=not cpu)
    except (FileNotFoundError, ValueError, ModelCardError) as exc:
        fail(str(exc), console)
    console.print(f"wrote {folder} (config.pbtxt, labels.txt, 1/model.onnx)")
