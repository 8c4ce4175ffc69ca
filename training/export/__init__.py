"""From a trained network to served artifacts: ONNX export with parity checks, incremental
stages, `gesture export` of our checkpoints, quantisation, official checkpoint conversion."""
