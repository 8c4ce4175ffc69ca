"""Small images for people to look at: JPEG data URLs, and depth colourised (near is red)."""

from __future__ import annotations

import base64

import cv2
import numpy as np

DEPTH_PREVIEW_MM = (300.0, 2500.0)  # near red, far blue


def jpeg_data_url(image_bgr: np.ndarray, quality: int = 75) -> str:
    """uint8 [H, W, 3] BGR -> a `data:image/jpeg;base64,...` URL ("" if encoding fails)."""
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode() if ok else ""


def colourise_depth(depth_mm: np.ndarray) -> np.ndarray:
    """uint16 [H, W] mm -> uint8 [H, W, 3] BGR, near red, far blue, invalid (0) black."""
    near, far = DEPTH_PREVIEW_MM
    scaled = np.clip((far - depth_mm.astype(np.float32)) / (far - near), 0, 1) * 255
    jet = cv2.applyColorMap(scaled.astype(np.uint8), cv2.COLORMAP_JET)
    jet[depth_mm == 0] = 0
    return jet
