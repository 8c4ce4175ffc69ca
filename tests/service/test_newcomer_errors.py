"""A newcomer's mistakes on the command line each end in a short error, a non-zero exit and
no Python traceback (issue 18's check), and `gesture --version` answers."""

from __future__ import annotations

import socket

import pytest

from tests.support.server_utils import run_gesture


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("newcomer")
    (folder / "notes.txt").write_text("not a clip\n")
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 this is not a zip")
    return folder


def _busy_port() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


@pytest.mark.parametrize(
    "args, words",
    [
        (["classify", "{dir}"], "is a folder"),
        (["classify", "{dir}/notes.txt"], "is not a clip"),
        (["classify", "{dir}/broken.npz"], "not a readable .npz"),
        (["classify", "{dir}/missing.npz"], "no such file"),
        (["serve", "--model", "{dir}/missing.onnx"], "model not found"),
        (["serve", "--camera", "first", "--port", "{port}"], "RealSense"),
        (["serve", "--port", "{busy}"], "cannot listen"),
        (["record", "--review", "--out", "{dir}/no-takes", "--delete", ""], "not found"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_mistake_gets_a_short_error_and_a_non_zero_exit(mistakes, args, words):
    with _busy_port() as busy, socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
        free.close()
        argv = [a.format(dir=mistakes, port=port, busy=busy.getsockname()[1]) for a in args]
        res = run_gesture(*argv, timeout=120)
    out = (res.stdout + res.stderr).strip()
    assert res.returncode != 0, out
    assert "Traceback" not in out, out
    assert len(out.splitlines()) <= 3, out
    assert words in out, out


def test_version():
    res = run_gesture("--version", timeout=60)
    assert res.returncode == 0 and res.stdout.startswith("gesture "), res.stdout + res.stderr
