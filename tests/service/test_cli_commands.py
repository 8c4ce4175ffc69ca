"""The `gesture` CLI's wiring: the commands it registers, the shared error exit, and the
serving-only promise (serving commands never import torch; training commands say in one
line that they need the training extra)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import typer

from service.cli_errors import fail
from tests.support.server_utils import ROOT
from training.commands.common import parse_ints
from training.commands.training_extra import needs_training_extra

MODEL = "service/models/synth_lite_rgbd.onnx"

# Runs the CLI's main() with torch unimportable, as on a serving-only install, then prints
# whether torch got loaded anyway and exits with the command's status.
NO_TORCH_DRIVER = textwrap.dedent(
    """
    import sys

    class NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoTorch())
    sys.argv = ["gesture", *sys.argv[1:]]
    from training.cli import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    print(f"TORCH_LOADED={'torch' in sys.modules}")
    sys.exit(code)
    """
)


def run_without_torch(*args: str) -> subprocess.CompletedProcess:
    """`gesture ARGS...` in a fresh interpreter where `import torch` fails."""
    return subprocess.run(
        [sys.executable, "-c", NO_TORCH_DRIVER, *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


@pytest.mark.parametrize(
    "args",
    [
        ("info", MODEL),
        ("info", "--json", MODEL),
        ("--help",),
        ("info", "--help"),
        ("serve", "--help"),
        ("classify", "--help"),
        ("stream", "--help"),
        ("export-triton", "--help"),
    ],
    ids=" ".join,
)
def test_serving_commands_run_without_torch(args: tuple[str, ...]) -> None:
    res = run_without_torch(*args)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "TORCH_LOADED=False" in res.stdout


def test_info_without_torch_prints_the_card() -> None:
    res = run_without_torch("info", "--json", MODEL)
    assert res.returncode == 0, res.stderr
    assert '"labels"' in res.stdout and '"modalities"' in res.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("train", "training/configs/synth-lite-rgbd.yaml"),
        ("export", "missing.pt", "--out", "missing.onnx"),
        ("convert-official", "missing.pth.tar", "--out", "missing.onnx", "--frp-window", "4"),
    ],
    ids=lambda args: args[0],
)
def test_training_commands_without_torch_say_so_in_one_line(args: tuple[str, ...]) -> None:
    res = run_without_torch(*args)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert f"`gesture {args[0]}` needs the training extra (torch is not installed)" in lines[0]
    assert ".[train]" in lines[0]


def test_commands_keep_their_names_and_order() -> None:
    from training.cli import app

    group = typer.main.get_command(app)
    assert list(group.commands) == [
        "info",
        "classify",
        "serve",
        "stream",
        "export-triton",
        "convert-official",
        "synth",
        "train",
        "evaluate",
        "quantize",
        "tune-events",
        "evaluate-stream",
        "export",
        "fit-tone",
        "adapt",
        "record",
        "bench",
    ]
    # `gesture train CONFIG key.sub=value`: overrides reach the command as extra arguments
    assert group.commands["train"].context_settings == {"allow_extra_args": True, "ignore_unknown_options": True}


def test_fail_prints_one_error_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    with pytest.raises(typer.Exit) as caught:
        fail("model not found: x.onnx", Console(stderr=True, soft_wrap=True))
    assert caught.value.exit_code == 2
    assert capsys.readouterr().err == "error: model not found: x.onnx\n"


def test_training_extra_guard_passes_other_import_errors_through() -> None:
    def broken() -> None:
        raise ModuleNotFoundError("No module named 'not_an_extra'", name="not_an_extra")

    with pytest.raises(ModuleNotFoundError):
        needs_training_extra("broken", broken)()


def test_training_extra_guard_keeps_results_and_signature() -> None:
    import inspect

    def command(count: int = typer.Option(3, "--count")) -> int:
        """Help text."""
        return count * 2

    guarded = needs_training_extra("command", command)
    assert guarded(count=4) == 8
    assert guarded.__doc__ == "Help text."
    assert inspect.signature(guarded) == inspect.signature(command)


def test_parse_ints() -> None:
    assert parse_ints("32, 48,64,") == [32, 48, 64]
    for bad in ("x", "", "0,4"):
        with pytest.raises(typer.BadParameter):
            parse_ints(bad)
