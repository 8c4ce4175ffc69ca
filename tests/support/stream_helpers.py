"""WebSocket `/v1/stream` helpers shared by the service tests: encode frames, start, drain."""

from __future__ import annotations

import json

import numpy as np

from service.sources.frame_codec import encode_depth_payload, encode_rgb_payload, pack_frame


def frames_of(rgb: np.ndarray, depth: np.ndarray, start: int = 0) -> list[bytes]:
    """Binary frame messages (JPEG colour, 16-bit PNG depth) for rgb [T, H, W, 3], depth [T, H, W]."""
    return [
        pack_frame(start + i, (start + i) / 30, encode_rgb_payload(r, "jpeg"), encode_depth_payload(d, "png16"))
        for i, (r, d) in enumerate(zip(rgb, depth))
    ]


def start_stream(ws, h: int, w: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    """Send an RGB-D start message (30 fps, hop 4 unless overridden) and return `ready`."""
    ws.send(
        json.dumps(
            {"type": "start", "modalities": ["rgb", "depth"], "width": w, "height": h, "fps": 30, "hop": 4, **extra}
        )
    )
    ready = json.loads(ws.recv(timeout=30))
    assert ready["type"] == "ready", ready
    return ready


def drain(ws, reason: str = "final", timeout: float = 60) -> list[dict]:  # type: ignore[no-untyped-def]
    """Messages up to the stats message with this reason (final, or requested)."""
    out = []
    while True:
        msg = json.loads(ws.recv(timeout=timeout))
        out.append(msg)
        if msg["type"] == "stats" and msg["reason"] == reason:
            return out
