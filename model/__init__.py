"""The DSN / DTN / RCM / CAPF network of "Decoupling and Recoupling Spatiotemporal
Representation for RGB-D-based Motion Recognition" (CVPR 2022), in pure PyTorch."""

from model.build import build_model
from model.capf import CrossModalFusionNetwork, FusionOutput
from model.config import PROFILES, ModelConfig, get_profile
from model.unimodal import UnimodalNetwork, UnimodalOutput

__all__ = [
    "PROFILES",
    "CrossModalFusionNetwork",
    "FusionOutput",
    "ModelConfig",
    "UnimodalNetwork",
    "UnimodalOutput",
    "build_model",
    "get_profile",
]
