"""Read a PyTorch network back out of one of our exported ONNX files.

`gesture adapt` fine-tunes the model `gesture serve` runs, and the bundled model ships as
ONNX only. The network's config is in the model card (`config`), so the network can be
rebuilt; its weights are the graph's initializers, under the PyTorch names, except where
the exporter's optimiser rewrote them:

- a BatchNorm after a convolution is folded into it: the conv weight holds the folded
  weight and `<conv>.weight_bias` the folded bias (no bias when it is all zeros). We load the folded weight and turn the
  BatchNorm into a plain bias (weight 1, mean 0, variance 1 - eps), which computes the
  same function in eval mode;
- a Linear weight used by a MatMul is stored transposed under a generated name; the
  MatMul node's `pkg.torch.onnx.fx_node` metadata names the parameter it came from;
- FRP's two weights (w0, w1 of `rpconv1d`) are split into two scalars, the first two
  scalar factors of the Mul nodes under the module's name scope (`w0 * x`, then `w1 * x`).

`read_network` checks the result: the rebuilt network must reproduce the ONNX model's
logits, or it raises `OnnxWeightsError`. It never returns a silently different model.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from model.build import build_model
from model.capf import CrossModalFusionNetwork
from model.unimodal import UnimodalNetwork
from service.inference.model_card import ModelCard, ModelCardError
from training.checkpoint import model_config_from_dict

PREFIX = "net."  # the inference wrappers hold the network as `net`
# Parameters an inference graph does not hold: the training-only parts (RCM's distillation
# projection, CAPF's reconstruction decoder and modality discriminator); they keep their
# initial values, and adapt trains without the losses that use them.
NOT_IN_GRAPH = ("rcm.linear.", "fusion_model.decoder.", "fc.weight")
# FRP weights still at their initial (1, 0) leave no trace (x * 0 and 1 * x are optimised
# away): kept at that value, which the logits check confirms.
MAY_BE_INITIAL = ("frp_module.rpconv1d.",)
_FX_WEIGHT = re.compile(r"aten\.linear\.default\]\(args = \(%[\w.]+, %(p_[\w]+)")


class OnnxWeightsError(ValueError):
    """The ONNX file is not one whose network can be rebuilt (message says why)."""


def _mangle(name: str) -> str:
    """The exporter's placeholder name of parameter `name` (`p_net_...`, lower case)."""
    return "p_" + (PREFIX + name).replace(".", "_").lower()


def _transposed_linears(graph: onnx.GraphProto, inits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{placeholder name: weight [out, in]} for Linear weights stored transposed for MatMul
    (LayerNorm parameters are added to the same map by `_layer_norms`)."""
    found: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op_type != "MatMul" or len(node.input) < 2 or node.input[1] not in inits:
            continue
        meta = {m.key: m.value for m in node.metadata_props}
        match = _FX_WEIGHT.search(meta.get("pkg.torch.onnx.fx_node", ""))
        if match:
            found[match.group(1)] = inits[node.input[1]].T
    return found


def _layer_norms(graph: onnx.GraphProto, inits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{placeholder name: array} for LayerNorm weights and biases, from the nodes that use
    them (the optimiser shares one initializer between equal-valued ones, e.g. untrained)."""
    found: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op_type != "LayerNormalization" or len(node.input) < 3:
            continue
        fx = next((m.value for m in node.metadata_props if m.key == "pkg.torch.onnx.fx_node"), "")
        params = re.findall(r"%(p_\w+)", fx)
        if len(params) == 2 and all(i in inits for i in node.input[1:3]):
            found[params[0]], found[params[1]] = inits[node.input[1]], inits[node.input[2]]
    return found


def _frp_weights(graph: onnx.GraphProto, inits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{`<branch>.frp_module.rpconv1d.weight`: [1, 2, 1]} from the scalar factors of FRP's Muls."""
    factors: dict[str, list[str]] = {}
    for node in graph.node:
        if node.op_type != "Mul":
            continue
        scopes = next((m.value for m in node.metadata_props if m.key == "pkg.torch.onnx.name_scopes"), "")
        match = re.search(r"'net\.([\w.]*frp_module)'", scopes)
        scalar = next((i for i in node.input if i in inits and inits[i].size == 1), None)
        if match and scalar is not None:
            seen = factors.setdefault(match.group(1), [])
            if scalar not in seen:
                seen.append(scalar)
    return {
        f"{module}.rpconv1d.weight": np.array(
            [float(inits[names[0]].ravel()[0]), float(inits[names[1]].ravel()[0])], np.float32
        ).reshape(1, 2, 1)
        for module, names in factors.items()
        if len(names) >= 2
    }


def _norm_layers(net: nn.Module) -> dict[str, str]:
    """{batch-norm module path: path of the convolution it follows}."""
    modules = dict(net.named_modules())
    pairs: dict[str, str] = {}
    for path, module in modules.items():
        if not isinstance(module, nn.modules.batchnorm._BatchNorm):
            continue
        parent, _, leaf = path.rpartition(".")
        if leaf == "bn":
            conv = f"{parent}.conv3d"
        elif leaf.isdigit() and int(leaf) > 0:
            conv = f"{parent}.{int(leaf) - 1}"
        else:
            continue
        if isinstance(modules.get(conv), nn.modules.conv._ConvNd):
            pairs[path] = conv
    return pairs


def _state_from_graph(net: nn.Module, proto: onnx.ModelProto) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The state dict the graph implies, and the parameter names it does not hold."""
    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    linears = _transposed_linears(proto.graph, inits)
    linears.update(_layer_norms(proto.graph, inits))
    frp = _frp_weights(proto.graph, inits)
    folded = _norm_layers(net)
    state = net.state_dict()
    out: dict[str, torch.Tensor] = {}
    missing: list[str] = []
    for bn, conv in folded.items():
        if f"{PREFIX}{bn}.running_mean" in inits or f"{PREFIX}{conv}.weight" not in inits:
            continue  # not folded: its own parameters are loaded by name below
        bias = inits.get(f"{PREFIX}{conv}.weight_bias")  # absent when the folded bias is all zeros
        if bias is None:
            bias = np.zeros(tuple(state[f"{bn}.bias"].shape), np.float32)
        eps = float(net.get_submodule(bn).eps)
        out[f"{bn}.weight"] = torch.ones_like(state[f"{bn}.weight"])
        out[f"{bn}.bias"] = torch.from_numpy(bias.copy()).to(state[f"{bn}.bias"].dtype)
        out[f"{bn}.running_mean"] = torch.zeros_like(state[f"{bn}.running_mean"])
        out[f"{bn}.running_var"] = torch.full_like(state[f"{bn}.running_var"], 1.0 - eps)
        out[f"{bn}.num_batches_tracked"] = state[f"{bn}.num_batches_tracked"]
    for name, value in state.items():
        if name in out:
            continue
        if name.endswith("num_batches_tracked"):
            out[name] = value
            continue
        array = inits.get(PREFIX + name)
        if array is None:
            array = linears.get(_mangle(name), frp.get(name))
        if array is None or tuple(array.shape) != tuple(value.shape):
            missing.append(name)
            out[name] = value
            continue
        out[name] = torch.from_numpy(np.array(array)).to(value.dtype)
    return out, missing


def read_network(path: str | Path, check: bool = True) -> tuple[UnimodalNetwork | CrossModalFusionNetwork, ModelCard]:
    """The network of an ONNX file exported by `gesture export`/`gesture train`, in eval mode.

    Args:
        path: the .onnx file.
        check: compare the rebuilt network's logits with onnxruntime's on random clips.

    Raises:
        FileNotFoundError: no such file.
        OnnxWeightsError: not one of our exports, a parameter is not in the graph, or the
            rebuilt network computes something else.
    """
    from model.inference import FusionClassifier, UnimodalClassifier

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model not found: {path}")
    try:
        proto = onnx.load(str(path))
        card = ModelCard.from_metadata({e.key: e.value for e in proto.metadata_props})
    except ModelCardError as exc:
        raise OnnxWeightsError(f"{path}: not a gesture model ({exc})") from exc
    except Exception as exc:  # protobuf's DecodeError and friends
        raise OnnxWeightsError(f"{path}: not a readable ONNX file ({exc})") from exc
    if not card.config or card.profile == "official":
        raise OnnxWeightsError(
            f"{path}: its card holds no network config of ours (profile {card.profile or 'unknown'}); "
            "adapt needs a model exported by `gesture train`/`gesture export`"
        )
    cfg = model_config_from_dict(card.config)
    kind = "rgbd" if card.modalities == ["rgb", "depth"] else card.modalities[0]
    net = build_model(cfg, kind).eval()
    state, missing = _state_from_graph(net, proto)
    missing = [m for m in missing if not any(part in m for part in NOT_IN_GRAPH + MAY_BE_INITIAL)]
    if missing:
        raise OnnxWeightsError(f"{path}: {len(missing)} parameters not found in the graph (first: {missing[0]})")
    net.load_state_dict(state)
    if check:
        wrapper = FusionClassifier(net) if kind == "rgbd" else UnimodalClassifier(net)
        _check_against_onnx(path, wrapper.eval(), card)
    return net, card


def _check_against_onnx(path: Path, wrapper: nn.Module, card: ModelCard, tolerance: float = 1e-3) -> None:
    """Raise OnnxWeightsError unless `wrapper` gives the file's logits on random clips."""
    import onnxruntime as ort

    from training.export.onnx import clear_inputs

    feeds, _ = clear_inputs(wrapper, card, batch=2, seed=77)
    with torch.no_grad():
        ref = wrapper(*feeds.values())
    ref = ref[0] if isinstance(ref, tuple) else ref
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run([card.outputs[0]], {k: v.numpy() for k, v in feeds.items()})[0]
    err = float(np.abs(got - ref.numpy()).max() / max(1.0, float(np.abs(ref.numpy()).max())))
    if err > tolerance:
        raise OnnxWeightsError(
            f"{path}: the network rebuilt from the graph differs from it (relative error {err:.2e}); "
            "adapt cannot start from this file"
        )
