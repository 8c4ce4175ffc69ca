"""The machine's measured peak: one large float32 matrix product through onnxruntime, with
the same threads as the model runs, so "fraction of peak" compares like with like."""

from __future__ import annotations

import statistics
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper


def matmul_peak_gflops(threads: int, n: int = 2048, repeats: int = 5) -> float:
    """Median GFLOP/s of an n x n x n float32 MatMul (2 n^3 FLOPs) on the CPU provider."""
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])
    c = helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "peak", [a, b], [c])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {"a": rng.random((n, n), np.float32), "b": rng.random((n, n), np.float32)}
    session.run(None, feeds)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - t0)
    onnx.checker.check_model(model)
    return 2 * n**3 / statistics.median(times) / 1e9
