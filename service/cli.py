"""Serving-side commands of the `gesture` CLI (no torch here)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from service.model_card import ModelCardError, read_model_card

console = Console(soft_wrap=True)


def info(
    model: str = typer.Argument(..., help="ONNX model file."),
    as_json: bool = typer.Option(False, "--json", help="Print the metadata as JSON."),
) -> None:
    """Print a model's metadata: labels, window, frame size, modalities, depth encoding."""
    try:
        card, meta = read_model_card(model)
    except (FileNotFoundError, ModelCardError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print(
            json.dumps(
                {
                    **meta,
                    "labels": card.labels,
                    "modalities": card.modalities,
                    "config": card.config,
                    "outputs": card.outputs,
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
    console.print(table)


def classify(
    clip: str = typer.Argument(..., help="A .npz clip (rgb uint8 [T,H,W,3], depth uint16 mm [T,H,W]) or an RGB video."),
    depth: str | None = typer.Option(None, "--depth", help="Depth video (8-bit) to pair with an RGB video."),
    model: str | None = typer.Option(None, "--model", help="ONNX model (default: the bundled model)."),
    top_k: int = typer.Option(5, "--top-k", min=1),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between timeline windows."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Classify a clip locally with the same pipeline as the server (no server needed)."""
    import os

    from service.classify import classify_clip
    from service.decode import DecodedClip, Limits, check_clip, decode_npz, decode_video
    from service.errors import ClientError
    from service.onnx_session import OnnxModel
    from service.settings import default_model_path

    try:
        onnx_model = OnnxModel(model or default_model_path())
        with open(clip, "rb") as f:
            data = f.read()
        limits = Limits()
        if clip.endswith(".npz"):
            decoded = decode_npz(data)
        else:
            rgb, fps = decode_video(data, os.path.splitext(clip)[1], depth=False, max_frames=limits.max_frames)
            d = None
            if depth is not None:
                with open(depth, "rb") as f:
                    d, _ = decode_video(f.read(), os.path.splitext(depth)[1], depth=True, max_frames=limits.max_frames)
            decoded = DecodedClip(rgb, d, fps)
        check_clip(decoded, limits)
        result = classify_clip(decoded, onnx_model.card, onnx_model.logits, top_k=top_k, hop=hop)
    except (FileNotFoundError, ModelCardError, ClientError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(result))
        return
    console.print(f"{clip}: [bold]{result['label']}[/bold] ({result['frames']} frames)")
    for row in result["top"]:
        console.print(f"  {row['label']:>16}  {row['probability']:.3f}")
    for event in result["events"]:
        console.print(
            f"  event {event['label']} frames {event['start_frame']}-{event['end_frame']} ({event['confidence']:.2f})"
        )


def serve(
    model: str | None = typer.Option(None, "--model", help="ONNX model (default: GESTURE_MODEL or the bundled model)."),
    host: str | None = typer.Option(None, "--host", help="Bind address (default 127.0.0.1; GESTURE_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (default 8000; GESTURE_PORT)."),
    api_key: str | None = typer.Option(None, "--api-key", help="Require this API key (GESTURE_API_KEY)."),
) -> None:
    """Serve a model over REST and WebSocket (settings also from GESTURE_* variables)."""
    import uvicorn

    from service.app import create_app
    from service.settings import Settings

    overrides = {
        k: v for k, v in {"model": model, "host": host, "port": port, "api_key": api_key}.items() if v is not None
    }
    try:
        settings = Settings(**overrides)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not settings.model.is_file():
        console.print(f"[red]error:[/red] model not found: {settings.model}")
        raise typer.Exit(2)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_max_size=16 * 1024 * 1024,
    )
