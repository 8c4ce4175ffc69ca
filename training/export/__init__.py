"""From a trained network to served artifacts: ONNX export with parity checks, incremental stages, model cards from checkpoints, quantisation, official checkpoint conversion."""
