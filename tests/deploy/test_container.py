"""The CPU image, built and run here without a Docker engine or registry
(deploy/build-local.sh: debootstrap base, buildah --isolation chroot, podman + runc): it
becomes ready, classifies a generated clip over its REST API, and stops."""

from __future__ import annotations

import io
import shutil
import subprocess
import time

import httpx
import numpy as np
import pytest

from tests.support.server_utils import ROOT, free_port, wait_ready
from training.synth import CLASS_NAMES, key_rng, render_clip

SCRIPT = ROOT / "deploy" / "build-local.sh"


@pytest.fixture(scope="module")
def image():
    missing = [tool for tool in ("buildah", "podman", "runc", "debootstrap") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: run .ci/setup (Debian packages)")
    res = subprocess.run([str(SCRIPT), "build"], capture_output=True, text=True, timeout=1800, cwd=ROOT)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    return "localhost/gesture:local"


def test_cpu_image_serves_the_bundled_model(image):
    inspect = subprocess.run(
        [str(SCRIPT), "podman", "image", "inspect", image, "--format", "{{.Config.User}} {{json .Config.Healthcheck}}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert inspect.returncode == 0, inspect.stderr
    assert inspect.stdout.startswith("gesture ") and "/readyz" in inspect.stdout  # non-root, health-checked
    no_torch = subprocess.run(
        [
            str(SCRIPT),
            "podman",
            "run",
            "--rm",
            "--entrypoint",
            "python3",
            image,
            "-c",
            "import importlib.util as u; import sys; sys.exit(u.find_spec('torch') is not None)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert no_torch.returncode == 0, "the service image must not contain torch"

    port = free_port()
    run = subprocess.run([str(SCRIPT), "run", str(port)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_ready(url, 180):
            logs = subprocess.run([str(SCRIPT), "podman", "logs", f"gesture-{port}"], capture_output=True, text=True)
            pytest.fail(f"the container never became ready: {logs.stdout[-2000:]}{logs.stderr[-2000:]}")
        clip = render_clip(2, key_rng(6060, 2), size=128)
        buf = io.BytesIO()
        np.savez(buf, rgb=clip.rgb, depth=clip.depth)
        res = httpx.post(f"{url}/v1/classify", files={"clip": ("c.npz", buf.getvalue())}, timeout=120)
        assert res.status_code == 200, res.text
        assert res.json()["label"] == CLASS_NAMES[2]
        assert httpx.get(f"{url}/v1/models").json()["models"][0]["providers"] == ["CPUExecutionProvider"]
    finally:
        subprocess.run([str(SCRIPT), "stop", str(port)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    deadline = time.monotonic() + 30  # --rm removes the container just after it exits
    while subprocess.run([str(SCRIPT), "podman", "container", "exists", f"gesture-{port}"]).returncode == 0:
        assert time.monotonic() < deadline, "the container was not removed after it stopped (--rm)"
        time.sleep(0.5)
