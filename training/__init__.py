"""Training, evaluation and export: data to checkpoints, checkpoints to ONNX artifacts."""
