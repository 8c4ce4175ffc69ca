"""A real uvicorn server on 127.0.0.1 in a subprocess, for the service tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from training.bench.soak import status_mb

ROOT = Path(__file__).resolve().parents[2]
GESTURE = [sys.executable, "-m", "training.cli"]  # the `gesture` command of this checkout


def run_gesture(*args: object, timeout: float = 600, **kwargs: object) -> subprocess.CompletedProcess:
    """Run `gesture ARGS...` from the repository root; output captured as text."""
    return subprocess.run(
        [*GESTURE, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 120, alive: Callable[[], bool] = lambda: True) -> bool:
    """Poll `url`/readyz until it answers 200 (True), `alive()` turns False or time runs out."""
    deadline = time.time() + timeout
    while time.time() < deadline and alive():
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


class ServerUrl(str):
    """A running server's base URL that also knows the server's process id."""

    pid: int


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    return status_mb(pid, "VmHWM")


def rss_mb(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MiB."""
    return status_mb(pid, "VmRSS")


@contextmanager
def running_server(
    model: Path | None,
    port: int | None = None,
    gesture: Sequence[str] = GESTURE,
    cwd: Path = ROOT,
    log: Path | None = None,
    **env: str,
):
    """Start `gesture serve` on `port` (default: a free one); yields the base URL (a
    `ServerUrl`, with the server's pid); stops it afterwards.

    The server's output always goes to a file (never an unread pipe, whose full buffer
    would block the server); if the server exits on its own, its last lines are printed
    to stderr, which pytest shows beside the failing test.

    Args:
        model: the ONNX model (None: the server's default, the bundled model).
        gesture: the command that runs `gesture` (another install's entry point).
        cwd: where the server runs.
        log: a file for the server's output (stdout and stderr); None: a temporary file.
    """
    port = port or free_port()
    environment = {
        **os.environ,
        "GESTURE_LOG_LEVEL": "warning",
        "OMP_NUM_THREADS": "1",
        **{f"GESTURE_{k.upper()}": str(v) for k, v in env.items()},
    }
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="server-log-"))) / "server.log"
        out = stack.enter_context(open(log, "w"))
        proc = subprocess.Popen(
            [*gesture, "serve", *(["--model", str(model)] if model is not None else []), "--port", str(port)],
            cwd=cwd,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = ServerUrl(f"http://127.0.0.1:{port}")
        url.pid = proc.pid
        try:
            if not wait_ready(url, 120, alive=lambda: proc.poll() is None):
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited ({proc.returncode}): {_tail(log)}")
                raise RuntimeError("server did not become ready in 120 s")
            yield url
        finally:
            if proc.poll() is not None:  # it stopped before we asked it to
                print(f"server on port {port} exited by itself ({proc.returncode}):\n{_tail(log)}", file=sys.stderr)
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _tail(log: Path, lines: int = 60) -> str:
    """The last `lines` lines of a server's output file."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
