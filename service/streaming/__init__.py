"""From frames to gestures: per-stream sessions and their windows (full or incremental), window
results, the event detector, clip timelines and live feeds."""
