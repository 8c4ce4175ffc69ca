"""The batching scheduler keeps nothing of a batch it has served: the output rows it handed
out are views of the batch's outputs, which onnxruntime allocates in its arena, and a worker
that held its last batch while waiting for the next would pin that memory for good."""

from __future__ import annotations

import gc
import time
import weakref

import numpy as np

from service.inference.scheduler import InferenceScheduler


def test_a_waiting_worker_holds_no_output_of_the_batch_it_served():
    outputs: list[weakref.ref] = []

    def run(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = batch["x"] * 2.0
        outputs.append(weakref.ref(out))
        return {"y": out}

    scheduler = InferenceScheduler(run, max_batch=4, timeout=0.05)
    try:
        futures = [scheduler.submit({"x": np.full((1, 3), i, np.float32)}) for i in range(3)]
        rows = [f.result(timeout=10)["y"] for f in futures]
        assert [r.tolist() for r in rows] == [[0.0] * 3, [2.0] * 3, [4.0] * 3]
        del futures, rows
        time.sleep(0.2)  # the worker is back waiting on its queue
        gc.collect()
        assert outputs and all(ref() is None for ref in outputs), "a served batch's outputs are still referenced"
    finally:
        scheduler.close()
