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
        print(json.dumps({**meta, "labels": card.labels, "modalities": card.modalities,
                          "config": card.config, "outputs": card.outputs}, indent=2))
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
