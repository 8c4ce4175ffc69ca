"""SynthGesture v2 motion: gestures as people perform them (per-frame HandPose tracks of
isolated clips and continuous streams, with hard-negative `no_gesture`)."""

from training.synth.performance.arrange import clip_poses, stream_poses
from training.synth.performance.performer import Performer, sample_performer

__all__ = ["Performer", "clip_poses", "sample_performer", "stream_poses"]
