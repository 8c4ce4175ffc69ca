"""Deployment files: docker-compose.yml against the compose specification, the Prometheus
config and alert rules with promtool, the Kubernetes manifests against the Kubernetes
schemas, every metric the dashboard and alerts use exported by the service, and the
Triton repository export matching the model."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import onnxruntime as ort
import pytest
import yaml

from tests.support.server_utils import ROOT

DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_compose_file_follows_the_compose_specification(tmp_path):
    res = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")
    assert res.returncode == 0, res.stdout + res.stderr
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["prometheus"]["depends_on"]["gesture"]["condition"] == "service_healthy"
    assert services["gesture-gpu"]["profiles"] == ["gpu"] and services["gesture-camera"]["profiles"] == ["camera"]
    assert "/readyz" in " ".join(services["gesture"]["healthcheck"]["test"])
    # the validator is not a no-op: a wrong type is refused
    bad = tmp_path / "bad.yml"
    bad.write_text("services:\n  x:\n    image: 5\n    ports: 8000\n")
    assert _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(bad)).returncode != 0


def test_prometheus_config_and_alert_rules_pass_promtool(tmp_path):
    if shutil.which("promtool") is None:
        pytest.fail("promtool is not installed: run .ci/setup (Debian package prometheus)")
    # promtool resolves rule_files from the config; point it at the repository copy
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["rule_files"] = [str(DEPLOY / "prometheus" / "alerts.yml")]
    local = tmp_path / "prometheus.yml"
    local.write_text(yaml.safe_dump(config))
    res = _run("promtool", "check", "config", str(local))
    assert res.returncode == 0, res.stdout + res.stderr
    res = _run("promtool", "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "5 rules found" in res.stdout + res.stderr


def test_kubernetes_manifests_pass_the_schemas(tmp_path):
    res = _run(str(BIN / "kubernetes-validate"), "--strict", *map(str, MANIFESTS))
    assert res.returncode == 0, res.stdout + res.stderr
    kinds = {doc["kind"] for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: web}]}\n")
    assert _run(str(BIN / "kubernetes-validate"), "--strict", str(bad)).returncode != 0


def _exported_metric_names() -> set[str]:
    from prometheus_client import generate_latest

    from service.inference.prometheus import Metrics

    m = Metrics()
    m.windows.labels("stream").inc()
    m.events.labels("x").inc()
    m.requests.labels("/", "GET", "200").inc()
    m.request_latency.labels("/").observe(0.1)
    m.bad_frames.labels("x").inc()
    text = generate_latest(m.registry).decode()
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def test_dashboard_and_alerts_only_use_metrics_the_service_exports():
    exported = _exported_metric_names()
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "gesture.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = {name for e in exprs for name in re.findall(r"\bgesture_[a-z_]+", e)}
    assert used, "no gesture_ metrics referenced"
    assert used <= exported, sorted(used - exported)
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in (
        "request latency",
        "inference latency",
        "throughput",
        "active streams",
        "queue depth",
        "skipped windows",
        "events per label",
    ):
        assert topic in titles


def test_export_triton_repository_matches_the_model(tmp_path, tiny_onnx):
    model = tiny_onnx
    res = _run(sys.executable, "-m", "training.cli", "export-triton", str(model), "--out", str(tmp_path / "repo"))
    assert res.returncode == 0, res.stdout + res.stderr
    folder = tmp_path / "repo" / "gesture"
    assert (folder / "1" / "model.onnx").read_bytes() == model.read_bytes()
    config = (folder / "config.pbtxt").read_text()
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    for tensor in [*session.get_inputs(), *session.get_outputs()]:
        dims = ", ".join(str(d) for d in tensor.shape[1:])
        assert re.search(rf'name: "{tensor.name}"\s+data_type: TYPE_\w+\s+dims: \[ {dims} \]', config), tensor.name
    assert 'platform: "onnxruntime_onnx"' in config and "max_batch_size: 32" in config
    assert "dynamic_batching" in config and 'name: "tensorrt"' in config and '"FP16"' in config
    assert (folder / "labels.txt").read_text().split()[0] == "no_gesture"
    assert config.count("{") == config.count("}") and config.count("[") == config.count("]")
    res = _run(sys.executable, "-m", "training.cli", "export-triton", str(tmp_path / "missing.onnx"), "--out", "x")
    assert res.returncode == 2 and "not found" in res.stdout + res.stderr
