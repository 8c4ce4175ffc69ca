"""Service settings: command-line flags or GESTURE_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = Path(__file__).resolve().parent / "models" / "synth_lite_rgbd.onnx"


def default_model_path() -> Path:
    """The bundled default model (an RGB-D `lite` model trained on SynthGesture-RGBD)."""
    return BUNDLED_MODEL


class Settings(BaseSettings):
    """Every setting; the README lists them with their environment variables."""

    model_config = SettingsConfigDict(env_prefix="GESTURE_", protected_namespaces=())

    model: Path = Field(default_factory=default_model_path, description="ONNX model to serve.")
    host: str = "127.0.0.1"
    port: int = 8000
    providers: str = Field(
        "TensorrtExecutionProvider,CUDAExecutionProvider,CPUExecutionProvider",
        description="Execution provider preference, comma-separated.",
    )
    threads: int = Field(0, description="onnxruntime intra-op threads (0: onnxruntime default).")
    trt_fp16: bool = True
    trt_cache_dir: str | None = Field(None, description="Persistent TensorRT engine cache directory.")
    max_batch: int = Field(8, ge=1, description="Largest inference batch.")
    batch_timeout_ms: float = Field(5.0, ge=0, description="How long a batch waits to fill.")
    queue_size: int = Field(64, ge=1, description="Pending inference requests before 503 / skipped windows.")
    incremental: bool = Field(
        True,
        description="Stream with the per-frame and per-window stages when the model has them "
        "(x.frame.onnx and x.window.onnx next to x.onnx); false: always full windows.",
    )
    stage_threads: int = Field(1, ge=1, description="Intra-op threads of each incremental stage session.")
    stage_workers: int = Field(0, ge=0, description="Frame-stage batches run at once (0: CPU cores / stage_threads).")
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    max_frames: int = Field(3600, ge=1, description="Most frames per uploaded clip.")
    max_pixels: int = Field(1920 * 1080, ge=1, description="Most pixels per frame.")
    max_duration_s: float = Field(300.0, gt=0, description="Longest uploaded clip (seconds at its fps).")
    max_decoded_mb: int = Field(
        256, ge=1, description="Most MiB an upload's frames may decode to (checked from file headers first)."
    )
    top_k: int = Field(5, ge=1)
    api_key: str | None = Field(None, description="Require this key (X-API-Key header or api_key query).")
    cors_origins: str = Field(
        "", description="Comma-separated origins allowed for CORS and browser WebSockets; empty: the page's own only."
    )
    metrics_need_key: bool = Field(
        False, description="/metrics needs the API key too (off: Prometheus scrapes without it)."
    )
    max_streams: int = Field(32, ge=1, description="Most concurrent WebSocket streams.")
    shutdown_grace_s: float = Field(
        20.0, ge=1, description="On SIGTERM: how long open streams and requests get to finish."
    )
    start_timeout_s: float = Field(
        10.0, gt=0, description="A stream that sends no start message this long is closed (1008), freeing its slot."
    )
    idle_timeout_s: float = Field(
        60.0, gt=0, description="A started stream that sends nothing this long is closed (1008)."
    )
    malloc_arenas: int = Field(
        2,
        ge=0,
        description="glibc malloc arenas at most (0: glibc's default, 8 per core); fewer keep the resident "
        "size near what the streams need after load (service/api/memory.py).",
    )
    idle_give_back_s: float = Field(
        2.0,
        ge=0,
        description="seconds with no stream, feed or request on the model after which onnxruntime's memory "
        "arenas and glibc's heaps are given back to the system (0: never; service/inference/runtime.py).",
    )
    log_level: str = "info"
    camera: str | None = Field(
        None, description="Serve a local RealSense camera as live feed 'camera': its serial, or 'first'."
    )
    camera_recording: Path | None = Field(
        None, description="Play this .bag/.db3 recording as live feed 'camera' (looped; no camera needed)."
    )
    camera_width: int = Field(640, ge=8)
    camera_height: int = Field(480, ge=8)
    camera_fps: int = Field(30, ge=1)
    demo_stream: bool = Field(False, description="Run live feed 'demo': generated gestures, looped.")
    demo_seed: int = Field(1, description="Seed of the demo stream's gestures.")
    live_hop: int = Field(4, ge=1, le=256, description="Frames between classified windows of live feeds.")
    teach_dir: Path = Field(
        Path("teach"), description="The Teach view's folder: takes recorded from the camera feed and adapted models."
    )
    teach_adapt_nice: int = Field(
        10, ge=0, le=19, description="Niceness of the Teach view's adapt run (higher: live streams keep more CPU)."
    )
