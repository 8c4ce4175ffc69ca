"""The gesture service: onnxruntime inference over RGB-D clips and streams (no torch)."""
