"""Running the model: its card, onnxruntime sessions and incremental stages, preprocessing, the
batching scheduler, the runtime that owns them, Prometheus metrics, Triton export."""
