"""`gesture ... --help` in the usual conventions: flags take no placeholder, arguments read in
capitals, every option says what it does, and every `--out` has `-o`."""

from __future__ import annotations

import contextlib
import io
import os

import typer

from training.cli import app
from training.cli_help import conventional_help


def _command():
    return conventional_help(typer.main.get_command(app))


def _help(*args: str) -> str:
    """What `gesture ARGS --help` prints (run in this process, 200 columns wide)."""
    out = io.StringIO()
    os.environ["COLUMNS"] = "200"
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        _command().main([*args, "--help"], prog_name="gesture", standalone_mode=False)
    return out.getvalue()


def test_flags_show_no_placeholder_and_arguments_read_in_capitals():
    text = _help("classify")
    assert "Usage: gesture classify [OPTIONS] CLIP" in text
    assert "<bool>" not in text and "<str>" not in text and "{clip}" not in text
    json_line = next(line for line in text.splitlines() if "--json" in line)
    assert json_line.split("--json")[1].strip().startswith("Print")  # no placeholder between
    assert "INTEGER [x>=1]" in text and "FLOAT [0.0<=x<=1.0]" in text


def test_every_command_follows_the_conventions():
    root = _command()
    assert "<bool>" not in _help()
    for name, command in root.commands.items():
        text = _help(name)
        assert "<bool>" not in text and "<str>" not in text and "<int" not in text, name
        for param in command.params:
            if param.param_type_name != "option":
                continue
            assert param.help, f"gesture {name} {param.opts[0]} has no help"
            if "--out" in param.opts:
                assert "-o" in param.opts, f"gesture {name} --out has no -o"
