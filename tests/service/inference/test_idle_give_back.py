"""A runtime gives memory back once its last user has been gone a moment, and never while
someone uses it (service/inference/runtime.py)."""

from __future__ import annotations

import time

from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.settings import Settings

IDLE_S = 0.2


def _runtime(model, calls: list[str]) -> Runtime:
    settings = Settings(model=model, providers="CPUExecutionProvider", threads=1, idle_give_back_s=IDLE_S)
    runtime = Runtime(settings, Metrics(), after_idle=lambda: calls.append("trim"))
    runtime.start()
    return runtime


def test_the_last_user_leaving_gives_memory_back_once_after_the_delay(tiny_onnx):
    calls: list[str] = []
    runtime = _runtime(tiny_onnx, calls)
    try:
        runtime.acquire(), runtime.acquire()
        runtime.release()  # one user left: nothing
        time.sleep(IDLE_S * 3)
        assert runtime.idle_give_backs == 0 and calls == []
        runtime.release()
        time.sleep(IDLE_S * 3 + 1)
        assert runtime.idle_give_backs == 1 and calls == ["trim"]
    finally:
        runtime.stop()


def test_a_user_arriving_within_the_delay_cancels_the_give_back(tiny_onnx):
    calls: list[str] = []
    runtime = _runtime(tiny_onnx, calls)
    try:
        runtime.acquire()
        runtime.release()
        runtime.acquire()  # back before the delay ran out
        time.sleep(IDLE_S * 3 + 1)
        assert runtime.idle_give_backs == 0 and calls == []
        runtime.release()
    finally:
        runtime.stop()


def test_zero_turns_the_give_back_off_and_a_retired_runtime_never_gives_back(tiny_onnx):
    calls: list[str] = []
    off = Runtime(Settings(model=tiny_onnx, threads=1, idle_give_back_s=0), Metrics(), lambda: calls.append("off"))
    off.start()
    retired = _runtime(tiny_onnx, calls)
    try:
        off.acquire(), retired.acquire()
        retired.retire()
        off.release(), retired.release()
        time.sleep(IDLE_S * 3 + 1)
        assert off.idle_give_backs == retired.idle_give_backs == 0 and calls == []
    finally:
        off.stop(), retired.stop()
