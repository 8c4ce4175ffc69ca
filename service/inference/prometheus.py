"""Prometheus metrics of one app (its own registry, so several apps can live in a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Every metric the service exports (`gesture_` prefix, base units)."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter(
            "gesture_requests_total", "HTTP requests by route and status.", ["route", "method", "status"], registry=r
        )
        self.request_latency = Histogram(
            "gesture_request_duration_seconds", "HTTP request latency.", ["route"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.inference_latency = Histogram(
            "gesture_inference_duration_seconds", "onnxruntime time per batch.", buckets=LATENCY_BUCKETS, registry=r
        )
        self.queue_wait = Histogram(
            "gesture_queue_wait_seconds", "Time a window waited for its batch.", buckets=LATENCY_BUCKETS, registry=r
        )
        self.batch_size = Histogram(
            "gesture_batch_size", "Windows per inference batch.", buckets=(1, 2, 4, 8, 16, 32, 64), registry=r
        )
        self.queue_depth = Gauge("gesture_queue_depth", "Windows waiting for inference.", registry=r)
        self.active_streams = Gauge("gesture_active_streams", "Open WebSocket streams.", registry=r)
        self.frames = Counter("gesture_frames_received_total", "Frames received over WebSocket streams.", registry=r)
        self.bad_frames = Counter(
            "gesture_frames_rejected_total", "Frames rejected (reported and skipped).", ["reason"], registry=r
        )
        self.windows = Counter("gesture_windows_total", "Windows classified.", ["source"], registry=r)
        self.windows_skipped = Counter(
            "gesture_windows_skipped_total", "Stream windows skipped because inference fell behind.", registry=r
        )
        self.events = Counter("gesture_events_total", "Gesture events emitted.", ["label"], registry=r)
        self.ready = Gauge("gesture_ready", "1 once the model is loaded and warm, else 0.", registry=r)
        self.model_info = Info("gesture_model", "The model being served.", registry=r)
